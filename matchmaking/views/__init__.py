"""The app's pages. Those behind login see their request as a `MemberRequest`."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import Organisation, User
from accounts.selectors import organisation_for


class MemberRequest(HttpRequest):
    """A request as a page behind login sees it once LoginRequiredMixin let it
    through: its user is signed in, and django-htmx has said whether htmx sent it."""

    user: User
    htmx: HtmxDetails


def member_organisation(request: MemberRequest) -> Organisation:
    """The signed-in user's company. The pages that ask let in only members
    (their rules need a membership), so anyone else is refused like any
    outsider."""
    organisation = organisation_for(request.user)
    if organisation is None:
        raise Http404
    return organisation
