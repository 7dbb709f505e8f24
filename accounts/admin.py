from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    ConventionSignature,
    ConventionVersion,
    Invitation,
    Membership,
    Organisation,
    User,
)


class MembershipInline(admin.TabularInline[Membership, Organisation]):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "name"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["name", "phone", "whatsapp", "wechat_id", "telegram"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]}),
    ]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "country", "province", "city", "verified", "created_at"]
    list_filter = ["kind", "verified", "country"]
    search_fields = ["name", "city", "province", "export_qualification_no"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "organisation", "role", "joined_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__email", "organisation__name"]
    raw_id_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ["email", "organisation", "role", "created_at", "sent_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    raw_id_fields = ["organisation", "invited_by"]
    readonly_fields = ["token", "sent_at", "accepted_at"]


@admin.register(ConventionVersion)
class ConventionVersionAdmin(admin.ModelAdmin[ConventionVersion]):
    list_display = ["version", "title", "published_on"]


@admin.register(ConventionSignature)
class ConventionSignatureAdmin(admin.ModelAdmin[ConventionSignature]):
    list_display = ["organisation", "convention", "signer", "signed_at"]
    list_filter = ["convention"]
    search_fields = ["organisation__name", "signer__email"]
    raw_id_fields = ["organisation", "signer"]
