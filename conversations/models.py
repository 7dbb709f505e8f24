"""Conversations between an exporter and a buyer: one thread per pair of
companies, its messages, and how far each company has read it.

The lots and needs a conversation is about are not stored with it: they are
the matches between its two companies (`selectors.matches_between`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from conversations import phrasebook
from matchmaking.storage import private_storage

MAX_MESSAGE_CHARS = 4000
MAX_REPORT_NOTE_CHARS = 500


class Conversation(models.Model):
    """The one thread between an exporter and a buyer."""

    exporter = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="exporter_conversations",
        verbose_name=_("exporter"),
    )
    buyer = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="buyer_conversations", verbose_name=_("buyer")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["exporter", "buyer"], name="conversation_unique_pair"),
            models.CheckConstraint(
                condition=~Q(exporter=models.F("buyer")), name="conversation_two_companies"
            ),
        ]
        indexes = [models.Index(fields=["buyer", "exporter"], name="conversation_buyer_idx")]

    def __str__(self) -> str:
        return f"Conversation {self.pk} ({self.exporter_id} ↔ {self.buyer_id})"

    def other_side(self, organisation: Organisation) -> Organisation:
        return self.buyer if organisation.pk == self.exporter_id else self.exporter


def _attachment_path(message: Message, filename: str) -> str:
    # A random name: the uploader's file name is kept apart (attachment_name)
    # and never becomes a path.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"conversations/{message.conversation_id}/{uuid.uuid4().hex}.{extension}"


class Message(models.Model):
    """Something one company's member wrote in a conversation. The sender may
    leave their company (or be deleted): the message stays, with its company."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversation_messages",
        verbose_name=_("sender"),
    )
    sender_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="conversation_messages",
        verbose_name=_("sender's company"),
    )
    text = models.TextField(_("message"), max_length=MAX_MESSAGE_CHARS, blank=True)
    attachment = models.FileField(
        _("attachment"), upload_to=_attachment_path, storage=private_storage, blank=True
    )
    attachment_name = models.CharField(_("attachment's name"), max_length=255, blank=True)
    # A phrasebook phrase (conversations.phrasebook), read in each reader's language.
    phrase = models.CharField(_("phrase"), max_length=40, blank=True)
    phrase_params = models.JSONField(_("phrase's details"), default=dict, blank=True)
    # The sender's language when writing: free text stays as written, named for other readers.
    language = models.CharField(_("language"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    # Hidden by the organisers (moderation): both companies read a notice instead.
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hidden_conversation_messages",
        verbose_name=_("hidden by"),
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(attachment="") | ~Q(phrase=""), name="message_not_empty"
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "-created_at"], name="message_thread_idx"),
            models.Index(fields=["sender", "-created_at"], name="message_sender_idx"),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} in conversation {self.conversation_id}"

    @property
    def phrase_text(self) -> str:
        """The phrase in the active (the reader's) language; "" without one."""
        return phrasebook.render(self.phrase, self.phrase_params) if self.phrase else ""


class ConversationRead(models.Model):
    """Until when a company has read a conversation (any of its members
    reading it reads it for the company)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="reads", verbose_name=_("conversation")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="conversation_reads", verbose_name=_("company")
    )
    last_read_at = models.DateTimeField(_("last read"))

    class Meta:
        verbose_name = _("read state")
        verbose_name_plural = _("read states")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "organisation"], name="conversation_read_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} read {self.conversation_id} at {self.last_read_at}"


class MessageReport(models.Model):
    """A company's report of a message the other company wrote, for the organisers."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        ABUSIVE = "abusive", _("Abusive")
        FRAUD = "fraud", _("Fraud or scam")
        OTHER = "other", _("Other")

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="reports", verbose_name=_("message")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="message_reports",
        verbose_name=_("reported by"),
    )
    reporter_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="message_reports",
        verbose_name=_("reporting company"),
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=MAX_REPORT_NOTE_CHARS, blank=True)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolved_message_reports",
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("message report")
        verbose_name_plural = _("message reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reporter_organisation"], name="message_report_once_per_company"
            ),
        ]
        indexes = [models.Index(fields=["reporter", "-created_at"], name="message_report_reporter_idx")]

    def __str__(self) -> str:
        return f"Report {self.pk} of message {self.message_id}"


class MessagingBlock(models.Model):
    """The organisers stopped a company from writing in any conversation."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="messaging_block", verbose_name=_("company")
    )
    created_at = models.DateTimeField(_("blocked"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("blocked by"),
    )

    class Meta:
        verbose_name = _("messaging block")
        verbose_name_plural = _("messaging blocks")

    def __str__(self) -> str:
        return f"Messaging block of {self.organisation_id}"
