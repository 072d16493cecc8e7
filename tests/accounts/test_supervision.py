"""N4/N13: supervision reminders, once per overdue period, from one scheduled task."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from accounts import services, tasks
from accounts.models import ServiceAccount

pytestmark = pytest.mark.django_db


def overdue(account, hours=25):
    ServiceAccount.objects.filter(pk=account.pk).update(
        last_checked_at=timezone.now() - timedelta(hours=hours)
    )


def test_n13_overdue_account_administrators_are_reminded_once_per_period(
    org, django_capture_on_commit_callbacks
):
    overdue(org.account)
    ServiceAccount.objects.filter(pk=org.other_account.pk).update(last_checked_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.supervision_send_reminders() == [org.account.pk]
    assert [sorted(message.to) for message in mail.outbox] == [sorted([org.alice.email, org.bob.email])]
    assert org.account.get_absolute_url() in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        assert services.supervision_send_reminders() == []  # no spam within the same period
    assert len(mail.outbox) == 1

    later = timezone.now() + timedelta(hours=25)  # still unchecked a whole interval later
    with django_capture_on_commit_callbacks(execute=True):
        assert org.account.pk in services.supervision_send_reminders(now=later)
    assert any(org.alice.email in message.to for message in mail.outbox[1:])


def test_n13_a_check_starts_a_new_period(org, django_capture_on_commit_callbacks):
    overdue(org.account)
    services.supervision_send_reminders()
    services.account_mark_checked(actor=org.alice, account=org.account)
    assert services.supervision_send_reminders() == []
    next_period = timezone.now() + timedelta(hours=24, minutes=1)
    assert org.account.pk in services.supervision_send_reminders(now=next_period)


def test_n13_paused_accounts_are_not_reminded(org):
    overdue(org.account)
    services.account_pause(actor=org.alice, account=org.account)
    assert services.supervision_send_reminders() == []


def test_n13_reminder_task_is_scheduled_with_a_stable_name_and_time_limits(org):
    task = tasks.send_supervision_reminders
    assert task.name == "accounts.tasks.send_supervision_reminders"
    assert task.soft_time_limit and task.time_limit and task.soft_time_limit < task.time_limit
    assert any(entry["task"] == task.name for entry in settings.CELERY_BEAT_SCHEDULE.values())
    overdue(org.account)
    assert task.apply().get() == 1
