"""Read-only admin views of the harvest, for support: runs and state change only through the pipeline."""

from django.contrib import admin

from archive.admin import ReadOnlyAdmin

from .models import FollowerCount, HarvestRun, HarvestState


@admin.register(HarvestState)
class HarvestStateAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "status",
        "current_interval",
        "next_run_at",
        "last_success_at",
        "last_error_at",
    ]
    list_filter = ["status"]
    list_select_related = ["account"]


@admin.register(HarvestRun)
class HarvestRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "account", "trigger", "status", "started_at", "finished_at", "pages", "items_new"]
    list_filter = ["status", "trigger"]
    list_select_related = ["account"]
    date_hierarchy = "started_at"


@admin.register(FollowerCount)
class FollowerCountAdmin(ReadOnlyAdmin):
    list_display = ["account", "at", "count"]
    list_select_related = ["account"]
