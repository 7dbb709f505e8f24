"""Emails are plain text: names in subjects and bodies read as typed, never as
HTML entities (a company called O'Neil & Sons, not O&#x27;Neil &amp; Sons)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template.loader import render_to_string

from accounts import services
from tests.factories import InvitationFactory

NAME = "O'Neil & Sons <Export>"
TEMPLATES = Path(settings.BASE_DIR) / "templates"
SUBJECTS = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.glob("*/email/*_subject.txt"))
# The deal email's subject differs by what happened to the deal.
DEAL_CHANGES = ["recorded", "amended", "confirmed", "disputed", "cancelled"]
CASES = [
    (template, change)
    for template in SUBJECTS
    for change in (DEAL_CHANGES if template.startswith("deals/") else [""])
]


def _named() -> SimpleNamespace:
    # Events show their name in the reader's language (display_name).
    return SimpleNamespace(name=NAME, display_name=NAME)


def test_every_app_with_emails_has_its_subjects_checked():
    assert {subject.split("/")[0] for subject in SUBJECTS} == {"accounts", "deals", "events", "matchmaking"}


@pytest.mark.parametrize(("template", "change"), CASES)
def test_names_in_every_subject_read_as_typed(template, change):
    context = {
        # What each subject template names: the organisation, the other side,
        # the counterpart, the event, the deal's actor.
        "organisation": _named(),
        "organisation_name": NAME,
        "other": SimpleNamespace(organisation=_named()),
        "counterpart": _named(),
        "event": _named(),
        "actor": _named(),
        "deal": SimpleNamespace(pk=7),
        "change": change,
    }

    subject = render_to_string(template, context).strip()

    assert NAME in subject
    assert "&amp;" not in subject
    assert "&#x27;" not in subject


@pytest.mark.django_db
def test_the_invitation_email_names_the_company_as_typed(mailoutbox):
    invitation = InvitationFactory(organisation__name="O'Neil & Sons")

    services.invitation_send(invitation=invitation)

    (mail,) = mailoutbox
    assert mail.subject == "Join O'Neil & Sons on CarBridge"
    assert "to join O'Neil & Sons on CarBridge" in mail.body
