"""The admin: people and departments are kept here; accounts are changed through the
register's own pages, where the rules (F2, N1, N5) are enforced, so the admin shows them
read-only. Credentials never show their ciphertext."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    AccountAdministrator,
    AccountEvent,
    AccountRequest,
    Credential,
    CredentialAccess,
    Department,
    ServiceAccount,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "series_code", "head", "parent"]
    search_fields = ["name", "series_code"]
    autocomplete_fields = ["head"]


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "title", "department", "trained_on", "is_active"]
    list_filter = ["department", "groups", "is_active", "is_staff"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Municipality"), {"fields": ["title", "department", "trained_on"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        (
            _("Municipality"),
            {"fields": ["first_name", "last_name", "email", "title", "department", "trained_on"]},
        ),
    ]
    # Deactivating a person is done by the action below, so the accounts they administer are
    # flagged and the remaining administrators told (F2).
    readonly_fields = ["is_active"]
    actions = ["deactivate"]

    @admin.action(description=_("Deactivate, and tell the administrators of their accounts"))
    def deactivate(self, request, queryset):
        short = []
        for person in queryset.filter(is_active=True):
            short += services.user_deactivate(actor=request.user, user=person)
        self.message_user(
            request,
            _("Deactivated. Accounts now short of administrators: %(accounts)s")
            % {"accounts": ", ".join(str(account) for account in short) or "–"},
            messages.SUCCESS,
        )


class AdministratorInline(ReadOnlyInline):
    model = AccountAdministrator
    fk_name = "account"
    fields = ["user", "added_at", "added_by"]
    readonly_fields = fields


class RequestInline(ReadOnlyInline):
    model = AccountRequest
    fields = [
        "requested_by",
        "goals",
        "channel_rationale",
        "resources",
        "graphic_profile_confirmed",
        "municipality_is_sender",
        "submitted_at",
    ]
    readonly_fields = fields


class CredentialInline(ReadOnlyInline):
    model = Credential
    fields = [
        "name",
        "expires_at",
        "updated_at",
        "updated_by",
        "last_success_at",
        "last_error",
        "last_error_at",
    ]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = AccountEvent
    fields = ["at", "action", "actor", "from_state", "to_state", "comment"]
    readonly_fields = fields


@admin.register(ServiceAccount)
class ServiceAccountAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "platform", "department", "state", "last_checked_at"]
    list_filter = ["state", "platform", "department"]
    search_fields = ["display_name", "handle", "profile_url"]
    inlines = [RequestInline, AdministratorInline, CredentialInline, EventInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin):
    list_display = ["account", "name", "expires_at", "last_success_at", "last_error_at", "updated_at"]
    list_filter = ["name"]
    search_fields = ["account__display_name", "name"]
    # The ciphertext is left out on purpose: not even an encrypted secret leaves the vault.
    fields = [
        "account",
        "name",
        "expires_at",
        "updated_at",
        "updated_by",
        "last_success_at",
        "last_error",
        "last_error_at",
    ]
    readonly_fields = fields


@admin.register(CredentialAccess)
class CredentialAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "credential", "action", "actor", "purpose"]
    list_filter = ["action"]
    search_fields = ["credential__account__display_name", "purpose"]
    date_hierarchy = "at"


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "account", "action", "actor", "comment"]
    list_filter = ["action"]
    search_fields = ["account__display_name", "comment"]
    date_hierarchy = "at"
