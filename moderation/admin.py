"""Read-only admin views of the inbox, for support: cases change only through the services."""

from django.contrib import admin

from archive.admin import ReadOnlyAdmin

from .models import Case, CaseEvent, CaseFlag, Forward, PhotoConsent, Reply


class CaseFlagInline(admin.TabularInline):
    model = CaseFlag
    fields = ["kind", "ground", "matched", "explanation"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CaseEventInline(CaseFlagInline):
    model = CaseEvent
    fields = ["at", "action", "actor", "note"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["pk", "account", "department", "state", "assignee", "deadline", "priority", "opened_at"]
    list_filter = ["state", "priority", "platform", "department", "has_personal_data", "has_ground"]
    list_select_related = ["account", "department", "assignee"]
    raw_id_fields = ["record"]
    inlines = [CaseFlagInline, CaseEventInline]


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdmin):
    list_display = ["pk", "case", "status", "author", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["case"]


@admin.register(Forward)
class ForwardAdmin(ReadOnlyAdmin):
    list_display = ["pk", "case", "to_user", "to_email", "due_on", "answered_at"]
    raw_id_fields = ["case"]
    # The answer link's token is a credential.
    exclude = ["token"]


@admin.register(PhotoConsent)
class PhotoConsentAdmin(ReadOnlyAdmin):
    list_display = ["record", "answer", "noted_by", "noted_at"]
    list_filter = ["answer"]
    raw_id_fields = ["record"]
