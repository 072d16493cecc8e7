"""Read-only admin views of the archive: records change only through the services. The list of secrecy
provisions offered when masking is kept here by the registrars."""

from django.contrib import admin

from .models import AccessLog, ChainEntry, DisclosureExport, Record, SecrecyProvision, SourceResponse


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Record)
class RecordAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "platform",
        "platform_id",
        "kind",
        "account",
        "department",
        "published_at",
        "removed_at",
    ]
    list_filter = ["platform", "kind", "department"]
    search_fields = ["platform_id", "author_name", "author_handle"]
    exclude = ["search_vector", "raw_canonical"]


@admin.register(SourceResponse)
class SourceResponseAdmin(ReadOnlyAdmin):
    list_display = ["pk", "method", "url", "status", "fetched_at", "sha256"]
    exclude = ["body"]


@admin.register(ChainEntry)
class ChainEntryAdmin(ReadOnlyAdmin):
    list_display = ["account", "seq", "kind", "platform_id", "version_number", "at", "hash"]
    list_filter = ["kind"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "record_id", "export"]
    list_filter = ["action"]


@admin.register(DisclosureExport)
class DisclosureExportAdmin(ReadOnlyAdmin):
    list_display = ["pk", "request_reference", "created_by", "created_at", "status"]
    exclude = ["pdf"]


@admin.register(SecrecyProvision)
class SecrecyProvisionAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "offered", "position"]
    list_editable = ["offered", "position"]
    ordering = ["position", "code"]
