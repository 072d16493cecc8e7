"""N4/N13: supervision reminders, once per overdue period, from one scheduled task."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import selectors, services, tasks
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


def test_n4_every_account_is_checked_at_least_daily_from_its_first_week_and_overdue_ones_are_shown(
    client, org
):
    # Less often than daily is refused: by the service with a clear message, in the database
    # whatever writes it, and on the account's form.
    with pytest.raises(ValidationError, match="minst en gång per dygn"):
        services.account_update(
            actor=org.alice, account=org.account, supervision_interval=timedelta(hours=48)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceAccount.objects.filter(pk=org.account.pk).update(supervision_interval=timedelta(days=7))
    client.force_login(org.alice)
    url = reverse("accounts:edit", args=[org.account.pk])
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    data.update(supervision_hours="48", parent="", response_time_hours="24")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "minst en gång per dygn: intervallet kan vara högst" in response.content.decode()
    org.account.refresh_from_db()
    assert org.account.supervision_interval == timedelta(hours=24)

    # A new account nobody has looked at for more than a day is shown as overdue.
    ServiceAccount.objects.filter(pk=org.account.pk).update(
        created_at=timezone.now() - timedelta(hours=25), last_checked_at=None
    )
    assert org.account in selectors.accounts_overdue_for_check(user=org.alice)
    services.account_mark_checked(actor=org.alice, account=org.account)
    assert org.account not in selectors.accounts_overdue_for_check(user=org.alice)
