"""The archive's Celery tasks, found by Celery's autodiscovery."""

from .diary_tasks import diary_snapshot_render, retention_nightly, samlingsakt_yearly

__all__ = ["diary_snapshot_render", "retention_nightly", "samlingsakt_yearly"]
