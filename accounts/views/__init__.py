"""Pages for the landing page, dashboards, organisation profiles, teams,
invitations and the self-discipline convention."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView, UpdateView
from django_filters.views import FilterView

from accounts import selectors, services
from accounts.contact_channels import Channels
from accounts.filters import OrganisationFilter
from accounts.forms import (
    ConventionSignForm,
    InvitationForm,
    InvitationSignupForm,
    MemberRoleForm,
    OrganisationForm,
    ProfileForm,
)
from accounts.mixins import AuthenticatedHttpRequest, ObjectPermissionRequiredMixin
from accounts.models import Invitation, Membership, Organisation

ALLAUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


class HomeView(TemplateView):
    template_name = "accounts/home.html"


# Organisation profiles ---------------------------------------------------------


class OrganisationDetailView(ObjectPermissionRequiredMixin, DetailView[Organisation]):
    model = Organisation
    permission_required = "accounts.view_organisation"
    template_name = "accounts/organisation_detail.html"
    context_object_name = "organisation"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["channels"] = Channels.of(self.object)
        if self.object.is_exporter:
            context["convention_signature"] = selectors.latest_signature_of(self.object)
            context["convention"] = selectors.current_convention()
        return context


class OrganisationUpdateView(ObjectPermissionRequiredMixin, UpdateView[Organisation, OrganisationForm]):
    model = Organisation
    form_class = OrganisationForm
    permission_required = "accounts.change_organisation"
    template_name = "accounts/organisation_form.html"
    context_object_name = "organisation"

    def form_valid(self, form: OrganisationForm) -> HttpResponse:
        try:
            organisation = form.save()
        except ValidationError:
            return self.form_invalid(form)
        messages.success(self.request, _("Profile saved."))
        return redirect("organisation_detail", pk=organisation.pk)


class OrganisationVerifyView(ObjectPermissionRequiredMixin, View):
    """An organiser marks a company's papers as checked (or not)."""

    permission_required = "accounts.verify_organisation"

    def get_permission_object(self) -> None:
        return None

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        organisation = get_object_or_404(Organisation, pk=pk)
        verified = request.POST.get("verified") == "1"
        services.organisation_set_verified(organisation=organisation, verified=verified)
        if verified:
            messages.success(request, _("%(name)s is now marked as verified.") % {"name": organisation})
        else:
            messages.info(request, _("%(name)s is no longer marked as verified.") % {"name": organisation})
        return redirect("organisation_detail", pk=organisation.pk)


class OrganisationListView(ObjectPermissionRequiredMixin, FilterView):  # type: ignore[misc]  # django-filter has no types
    """Every registered company, for organisers approving and verifying them."""

    permission_required = "accounts.verify_organisation"
    filterset_class = OrganisationFilter
    template_name = "accounts/organisation_list.html"
    context_object_name = "organisations"
    paginate_by = 50

    def get_permission_object(self) -> None:
        return None

    def get_queryset(self) -> QuerySet[Organisation]:
        return selectors.organisations_with_member_counts()


# A person's own profile ---------------------------------------------------------


class ProfileUpdateView(LoginRequiredMixin, FormView[ProfileForm]):
    """The signed-in person's name and contact channels. It has no id in its
    address: nobody can reach another person's."""

    form_class = ProfileForm
    template_name = "accounts/profile_form.html"
    request: AuthenticatedHttpRequest

    def get_initial(self) -> dict[str, Any]:
        return ProfileForm.initial_for(self.request.user)

    def form_valid(self, form: ProfileForm) -> HttpResponse:
        try:
            services.user_update(user=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        messages.success(self.request, _("Profile saved."))
        return redirect("profile_edit")


# Team --------------------------------------------------------------------------


class TeamView(ObjectPermissionRequiredMixin, DetailView[Organisation]):
    """Members and open invitations; administrators invite colleagues here."""

    model = Organisation
    permission_required = "accounts.view_team"
    template_name = "accounts/team.html"
    context_object_name = "organisation"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        can_manage = self.request.user.has_perm("accounts.manage_team", self.object)
        context["can_manage"] = can_manage
        context["members"] = selectors.members_of(self.object)
        if can_manage:
            context["invitations"] = selectors.open_invitations_of(self.object)
            context.setdefault("invitation_form", InvitationForm())
            context["roles"] = Membership.Role.choices
        return context

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        self.object = organisation = self.get_object()
        if not request.user.has_perm("accounts.manage_team", organisation):
            raise Http404
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    organisation=organisation,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    invited_by=request.user,
                )
            except ValidationError as error:
                form.add_error("email", error.message_dict.get("email", error.messages))
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                return redirect("team", pk=organisation.pk)
        return self.render_to_response(self.get_context_data(invitation_form=form), status=400)


class _TeamObjectActionView(ObjectPermissionRequiredMixin, View):
    """A POST-only action on a membership or invitation of one organisation."""

    permission_required = "accounts.manage_team"
    model: type[Membership] | type[Invitation]
    act: Callable[[Any], None]
    _permission_object: Model

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Model:
        if not hasattr(self, "_permission_object"):
            self._permission_object = get_object_or_404(
                self.model.objects.select_related("organisation"),
                pk=self.kwargs["object_pk"],
                organisation_id=self.kwargs["pk"],
            )
        return self._permission_object

    def post(self, request: HttpRequest, pk: int, object_pk: int) -> HttpResponse:
        try:
            self.act(self.get_object())
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("team", pk=pk)


class InvitationRevokeView(_TeamObjectActionView):
    model = Invitation

    def act(self, invitation: Invitation) -> None:
        services.invitation_revoke(invitation=invitation)
        messages.success(self.request, _("Invitation to %(email)s withdrawn.") % {"email": invitation.email})


class MemberRemoveView(_TeamObjectActionView):
    model = Membership

    def act(self, membership: Membership) -> None:
        services.member_remove(membership=membership)
        messages.success(self.request, _("%(user)s was removed from the team.") % {"user": membership.user})


class MemberRoleView(_TeamObjectActionView):
    model = Membership

    def act(self, membership: Membership) -> None:
        form = MemberRoleForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(_("Choose a valid role."))
        services.member_set_role(membership=membership, role=form.cleaned_data["role"])
        messages.success(
            self.request,
            _("%(user)s is now: %(role)s.")
            % {"user": membership.user, "role": membership.get_role_display()},
        )


class InvitationAcceptView(View):
    """Where the emailed link lands: new people create their account here, people
    with an account sign in and accept."""

    template_name = "accounts/invitation_accept.html"

    invitation: Invitation

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        invitation = selectors.invitation_by_token(kwargs["token"])
        if invitation is None:
            return render(request, "accounts/invitation_invalid.html", status=404)
        self.invitation = invitation
        return super().dispatch(request, *args, **kwargs)

    def _render(
        self,
        request: HttpRequest,
        form: InvitationSignupForm | None = None,
        error: str | None = None,
        status: int = 200,
    ) -> HttpResponse:
        invitation = self.invitation
        context = {
            "invitation": invitation,
            "organisation": invitation.organisation,
            "error": error,
            "form": form,
            "account_exists": selectors.user_exists(invitation.email),
        }
        if form is None and not request.user.is_authenticated and not context["account_exists"]:
            context["form"] = InvitationSignupForm(email=invitation.email)
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        if not self.invitation.is_open:
            return self._render(request, error=self._closed_reason(), status=410)
        return self._render(request)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = self.invitation
        try:
            if request.user.is_authenticated:
                services.invitation_accept(invitation=invitation, user=request.user)
            else:
                form = InvitationSignupForm(request.POST, email=invitation.email)
                if not form.is_valid():
                    return self._render(request, form=form, status=400)
                user = services.user_create_from_invitation(
                    invitation=invitation,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, user, backend=ALLAUTH_BACKEND)
        except ValidationError as error:
            return self._render(request, error=" ".join(error.messages), status=400)
        messages.success(
            request, _("Welcome to %(organisation)s.") % {"organisation": invitation.organisation}
        )
        return HttpResponseRedirect(reverse("dashboard"))

    def _closed_reason(self) -> str:
        if self.invitation.accepted_at:
            return _("This invitation has already been used.")
        if self.invitation.revoked_at:
            return _("This invitation was withdrawn. Ask for a new one.")
        return _("This invitation has expired. Ask for a new one.")


# Convention --------------------------------------------------------------------


class ConventionView(TemplateView):
    """The current self-discipline convention; exporters' admins sign it here."""

    template_name = "accounts/convention.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        convention = selectors.current_convention()
        organisation = selectors.organisation_for(self.request.user)
        context["convention"] = convention
        if organisation is not None and organisation.is_exporter:
            context["signature"] = selectors.convention_signature_for(organisation, convention)
            context["can_sign"] = self.request.user.has_perm("accounts.sign_convention", organisation)
            context.setdefault("form", ConventionSignForm())
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        organisation = selectors.organisation_for(request.user)
        # Only a signed-in person has an organisation; the check says so to the type checker.
        if (
            organisation is None
            or not request.user.is_authenticated
            or not request.user.has_perm("accounts.sign_convention", organisation)
        ):
            raise Http404
        form = ConventionSignForm(request.POST)
        if form.is_valid():
            try:
                signature = services.convention_sign(organisation=organisation, user=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(organisation)s signed version %(version)s of the convention.")
                    % {"organisation": organisation, "version": signature.convention.version},
                )
                return redirect("dashboard")
        return self.render_to_response(self.get_context_data(form=form), status=400)
