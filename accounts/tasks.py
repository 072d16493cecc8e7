"""Periodic work of the account register. Tasks take no model instances and call one service."""

from celery import shared_task

from . import services


@shared_task(name="accounts.tasks.send_supervision_reminders", soft_time_limit=4 * 60, time_limit=5 * 60)
def send_supervision_reminders() -> int:
    """N4/N13: remind administrators of accounts nobody has checked in time."""
    return len(services.supervision_send_reminders())
