"""F12/N17: the registrar's dry run of disposal runs as a task with its progress kept in PostgreSQL;
the page shows the progress, then how many records per class would go and when the next fall due."""

import time
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.models import Record
from registry import tasks
from registry.models import DisposalBatch, DisposalRun, RecordClassification

from .conftest import make_comment, make_post

CUTOFF = date(2026, 6, 1)


@pytest.fixture
def records(org):
    """Three comments of 2020 (due long ago), one of 2025 (due at the end of 2027), two of 2026."""
    old = make_post(org.account, text="Gammalt inlägg", at=datetime(2020, 5, 4, 10, 0, tzinfo=UTC))
    for n in range(3):
        make_comment(org.account, old, text=f"Gammal kommentar {n}")
    last_year = make_post(org.account, text="Fjolårets inlägg", at=datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    make_comment(org.account, last_year, text="Fjolårets fråga")
    this_year = make_post(org.account, text="Årets inlägg", at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    make_comment(org.account, this_year, text="Årets fråga")
    make_comment(org.account, this_year, text="Årets andra fråga")


def _start(client, org, django_capture_on_commit_callbacks):
    client.force_login(org.registrar)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("registry:diary_disposal_propose"), {"department": org.own.pk})
    run = DisposalRun.objects.get()
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    assert len(queued) == 1  # the task is queued once the run is committed
    return run


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_f12_the_dry_run_is_started_by_a_post_and_shows_its_progress_without_javascript(
    client, org, records, django_capture_on_commit_callbacks
):
    run = _start(client, org, django_capture_on_commit_callbacks)
    assert run.state == DisposalRun.State.QUEUED and run.requested_by == org.registrar
    assert not DisposalBatch.objects.exists()  # nothing is worked out in the request
    page = client.get(run.get_absolute_url())
    body = page.content.decode()
    assert "Provkörningen väntar på att starta" in body
    assert f'hx-get="{run.get_absolute_url()}"' in body  # polled with JavaScript
    assert '<noscript><meta http-equiv="refresh"' in body  # reloaded without it


def test_f12_the_dry_run_counts_per_class_and_says_when_the_next_records_fall_due(
    client, org, records, django_capture_on_commit_callbacks, settings
):
    run = _start(client, org, django_capture_on_commit_callbacks)
    tasks.disposal_run.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.state == DisposalRun.State.DONE and run.progress == 100
    # The run classified the department's new records before counting them.
    assert (
        RecordClassification.objects.filter(record__department=org.own).count()
        == Record.objects.filter(department=org.own).count()
    )
    classes = {entry["code"]: entry for entry in run.result["classes"]}
    assert classes["SM-KOM"]["count"] == 3
    assert (classes["SM-KOM"]["next_due"], classes["SM-KOM"]["next_due_count"]) == ("2027-12-31", 1)
    assert run.batch.summary["SM-KOM"]["count"] == 3
    body = client.get(run.get_absolute_url()).content.decode()
    assert "hx-get" not in body and "noscript" not in body
    assert "3 handlingar får gallras nu" in body
    assert "31 december 2027 (1 handling)" in body
    assert "Bevaras för alltid" in body  # the permanent classes
    assert reverse("registry:diary_disposal_batch", args=[run.batch.pk]) in body


def test_f12_a_get_of_the_dry_run_pages_writes_nothing(
    client, org, records, django_capture_on_commit_callbacks
):
    run = _start(client, org, django_capture_on_commit_callbacks)
    for url in (run.get_absolute_url(), reverse("registry:diary_disposal")):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert _writes(queries) == [], url
    tasks.disposal_run.apply(args=[run.pk])
    with CaptureQueriesContext(connection) as queries:
        client.get(run.get_absolute_url(), headers={"HX-Request": "true"})
    assert _writes(queries) == []
    assert DisposalRun.objects.count() == 1 and DisposalBatch.objects.count() == 1


def test_f12_a_run_delivered_twice_leaves_what_one_left(
    client, org, records, django_capture_on_commit_callbacks
):
    run = _start(client, org, django_capture_on_commit_callbacks)
    tasks.disposal_run.apply(args=[run.pk])
    tasks.disposal_run.apply(args=[run.pk])
    assert DisposalBatch.objects.filter(state=DisposalBatch.State.PROPOSED).count() == 1


def test_f12_only_the_departments_registrar_starts_or_reads_a_dry_run(
    client, org, records, django_capture_on_commit_callbacks
):
    run = _start(client, org, django_capture_on_commit_callbacks)
    for person in (org.alice, org.other_head):
        client.force_login(person)
        assert client.get(run.get_absolute_url()).status_code == 403
        assert (
            client.post(reverse("registry:diary_disposal_propose"), {"department": org.own.pk}).status_code
            == 403
        )
    assert DisposalRun.objects.count() == 1


def test_f12_a_run_whose_registrar_lost_the_right_stops_with_a_reason(
    client, org, records, django_capture_on_commit_callbacks
):
    run = _start(client, org, django_capture_on_commit_callbacks)
    org.registrar.groups.clear()
    with pytest.raises(Exception):  # noqa: B017 - the task fails; what matters is what the page says
        tasks.disposal_run.apply(args=[run.pk], throw=True)
    run.refresh_from_db()
    assert run.state == DisposalRun.State.FAILED
    assert not DisposalBatch.objects.exists()
    client.force_login(org.city_registrar)
    body = client.get(run.get_absolute_url()).content.decode()
    assert "inte längre gallra" in body


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_f12_a_worker_makes_the_dry_run_the_registrar_started(org, records, celery_worker, client):
    client.force_login(org.registrar)
    response = client.post(reverse("registry:diary_disposal_propose"), {"department": org.own.pk})
    run = DisposalRun.objects.get()
    assert response.url == run.get_absolute_url()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if not run.is_running:
            break
        time.sleep(0.5)
    assert run.state == DisposalRun.State.DONE, run.error
    classes = {entry["code"]: entry for entry in run.result["classes"]}
    assert classes["SM-KOM"]["count"] == 3 and classes["SM-KOM"]["next_due"] == "2027-12-31"
    assert "3 handlingar får gallras nu" in client.get(run.get_absolute_url()).content.decode()
