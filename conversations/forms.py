"""The form to write in a conversation; its rules are the service's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from conversations import phrasebook
from conversations.models import MAX_MESSAGE_CHARS, MAX_REPORT_NOTE_CHARS, MessageReport
from matchmaking.choices import CURRENCIES

# The phrasebook's parameters, as the form's fields (blank ones are left out).
PHRASE_PARAM_FIELDS = tuple(phrasebook.PARAM_KINDS)


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
    phrase = forms.ChoiceField(
        label=_("Or a common phrase, read in each reader's language"),
        required=False,
        choices=phrasebook.choices,
    )
    # The phrase's details: only those the chosen phrase takes (the service says which).
    port = forms.CharField(
        label=_("Port"), required=False, widget=forms.TextInput(attrs={"maxlength": 60, "dir": "auto"})
    )
    n = forms.CharField(
        label=_("Number of units"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": phrasebook.MAX_COUNT, "step": 1}),
    )
    date = forms.CharField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    price = forms.CharField(
        label=_("Price per vehicle"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
    )
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", "—"), *((code, code) for code in CURRENCIES)]
    )
    incoterm = forms.ChoiceField(
        label=_("Incoterm"),
        required=False,
        choices=[("", "—"), *((term, term) for term in phrasebook.INCOTERMS)],
    )

    def phrase_params(self) -> dict[str, object]:
        """The phrase details filled in (after is_valid)."""
        return {name: value for name in PHRASE_PARAM_FIELDS if (value := self.cleaned_data.get(name))}


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=MessageReport.Reason.choices)
    note = forms.CharField(
        label=_("Note for the organisers (optional)"),
        required=False,
        max_length=MAX_REPORT_NOTE_CHARS,
        widget=forms.TextInput(attrs={"maxlength": MAX_REPORT_NOTE_CHARS, "dir": "auto"}),
    )
