"""The form to write in a conversation; its rules are the service's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from conversations.models import MAX_MESSAGE_CHARS


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        required=False,
        # No max_length here: the service says how long it was, in words people read.
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto", "maxlength": MAX_MESSAGE_CHARS}),
    )
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        help_text=_("A JPEG, PNG or WebP photo or a PDF, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
    )
