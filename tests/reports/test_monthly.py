"""The monthly e-mail to each head of department."""

from datetime import date

import pytest
from django.core import mail

from reports import services
from reports.models import MonthlyReportDelivery
from smgov.schedules import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db


def test_n18_each_head_gets_the_own_departments_figures_once(known):
    org = known.org
    sent = services.monthly_reports_send(month=date(2026, 3, 1), now=known.now)
    assert sent == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {org.head.email, org.other_head.email}
    own = by_recipient[org.head.email].body
    other = by_recipient[org.other_head.email].body
    assert org.own.name in by_recipient[org.head.email].subject
    # Own department in March: 2 posts, 5 questions, 3 answered, 2 in time, 2 overdue now.
    assert "Hedda" in own
    for line in (": 2\n", ": 5\n", ": 3\n"):
        assert line in own
    assert f"department={org.own.pk}" in own
    assert "start=2026-03-01" in own and "end=2026-03-31" in own
    assert f"department={org.other.pk}" in other
    assert org.own.name not in other
    assert set(MonthlyReportDelivery.objects.values_list("department_id", "month")) == {
        (org.own.pk, date(2026, 3, 1)),
        (org.other.pk, date(2026, 3, 1)),
    }

    # A second run (a retried task, a restarted beat) sends nothing more.
    assert services.monthly_reports_send(month=date(2026, 3, 1), now=known.now) == 0
    assert len(mail.outbox) == 2


def test_n18_the_figures_in_the_mail_are_the_selectors(known, settings):
    settings.LANGUAGE_CODE = "en"
    services.monthly_report_send(department=known.org.own, month=date(2026, 3, 1), now=known.now)
    body = mail.outbox[0].body
    assert "Posts: 2\n" in body
    assert "Questions: 5\n" in body
    assert "Answered: 3\n" in body
    assert "Answered within the promised time: 2\n" in body
    assert "Median response time: 4 h 0 min\n" in body
    assert "90th percentile response time: 21 h 36 min\n" in body
    assert "Overdue now: 2\n" in body
    assert "Questions with personal data: 1\n" in body
    assert "Personal data: 1" in body  # the removal, by its legal ground


def test_departments_without_a_head_or_address_get_nothing(org):
    org.other.head = None
    org.other.save(update_fields=["head"])
    org.head.email = ""
    org.head.save(update_fields=["email"])
    assert services.monthly_reports_send(month=date(2026, 3, 1)) == 0
    assert mail.outbox == []


def test_previous_month():
    assert services.previous_month(date(2026, 1, 15)) == date(2025, 12, 1)
    assert services.previous_month(date(2026, 3, 1)) == date(2026, 2, 1)


def test_the_monthly_task_is_scheduled_with_limits():
    from reports.tasks import send_monthly_reports

    entry = BEAT_SCHEDULE["reports-monthly-figures"]
    assert entry["task"] == send_monthly_reports.name == "reports.send_monthly_reports"
    assert entry["schedule"].day_of_month == {1}
    assert send_monthly_reports.soft_time_limit and send_monthly_reports.time_limit


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_n18_the_task_runs_on_a_real_worker(celery_worker, org):
    from reports.tasks import send_monthly_reports

    result = send_monthly_reports.delay()
    # The worker's own mail backend is in its process; what it leaves here is the delivery rows.
    assert result.get(timeout=60) == 2
    assert MonthlyReportDelivery.objects.count() == 2
