"""Who may read and write a conversation: every member of either of its two
companies, nobody else (organisers included). Everything else answers 404.
Organisers moderate: they read a thread only through a report of one of its
messages (`/organiser/reports/`).

Writing also needs a live match between the two companies; the services
check that, since it is about the data rather than the person."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.rules import add_perm, is_organiser, predicate
from accounts.selectors import membership_for
from conversations.models import Conversation


@predicate
def is_member_of_either_side(user: User | AnonymousUser, conversation: object) -> bool:
    membership = membership_for(user) if isinstance(user, User) else None
    return bool(
        membership
        and isinstance(conversation, Conversation)
        and membership.organisation_id in (conversation.exporter_id, conversation.buyer_id)
    )


add_perm("conversations.view_conversation", is_member_of_either_side)
add_perm("conversations.add_message", is_member_of_either_side)
add_perm("conversations.report_message", is_member_of_either_side)
add_perm("conversations.moderate", is_organiser)
