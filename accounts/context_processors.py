from __future__ import annotations

from django.http import HttpRequest

from accounts.selectors import membership_for


def membership(request: HttpRequest) -> dict[str, object]:
    """The signed-in user's membership and organisation, for the navigation."""
    current = membership_for(getattr(request, "user", None))
    return {
        "membership": current,
        "current_organisation": current.organisation if current else None,
    }
