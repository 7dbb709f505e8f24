"""View mixins shared by every app."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from rules.contrib.views import PermissionRequiredMixin


class ObjectPermissionRequiredMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Check `permission_required` against the view's object and answer 404 when
    it fails, so nobody can learn which ids exist by probing them."""

    def get_object(self, queryset=None):
        # The permission check and the view both ask for the object: load it once.
        if queryset is None and hasattr(self, "_permission_object"):
            return self._permission_object
        obj = super().get_object(queryset)
        if queryset is None:
            self._permission_object = obj
        return obj

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return super().handle_no_permission()
        raise Http404
