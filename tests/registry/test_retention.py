"""F12/N17: document classes, retention dates, a dry run, approval, legal hold and the disposal
log. Never disposed of: legal hold, registered records, permanent classes, open requests."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from archive.models import Record, RecordVersion
from registry import diary
from registry.diary import registration_request
from registry.models import DiaryEvent, DisposalBatch, DisposalLog, DocumentClass
from registry.retention import (
    DisposalError,
    disposal_approve,
    disposal_propose,
    legal_hold_set,
    retention_assign,
    retention_assign_missing,
)
from registry.tasks import retention_nightly

from .conftest import make_comment, make_post, make_thread

OLD = datetime(2020, 5, 4, 10, 0, tzinfo=UTC)
CUTOFF = date(2026, 6, 1)


def test_f12_default_document_classes(db):
    classes = {c.applies_to: c for c in DocumentClass.objects.all()}
    assert set(classes) == {"minor", "registered", "own", "incoming"}
    assert classes["registered"].permanent and classes["own"].permanent
    assert classes["minor"].retention_years == 2 and classes["incoming"].retention_years == 2


def test_f12_database_refuses_a_class_both_permanent_and_timed(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentClass.objects.create(
            code="X", name="x", applies_to="minor2", permanent=True, retention_years=3
        )


def test_f12_records_get_class_and_retention_date(org):
    post, comments = make_thread(org.account, comments=1, at=datetime(2026, 12, 31, 23, 10, tzinfo=UTC))
    assert retention_assign(record=post).retention_until is None  # own posts are kept
    comment = retention_assign(record=comments[0])
    # Received 2027-01-01 in Stockholm: two years from the end of 2027.
    assert comment.document_class.applies_to == "incoming"
    assert comment.retention_until == date(2029, 12, 31)
    comments[0].refresh_from_db()
    assert comments[0].retention_until == date(2029, 12, 31)
    diary.diary_case_register(actor=org.registrar, record=post, title="t", snapshot=False)
    comments[0].refresh_from_db()
    assert comments[0].classification.document_class.applies_to == "registered"
    assert comments[0].retention_until is None


@pytest.fixture
def old_records(org):
    """Records of 2020, long past two years, in every situation the rules name."""
    post = make_post(org.account, text="Gammalt inlägg", at=OLD)
    plain = [make_comment(org.account, post, text=f"Gammal kommentar {n}") for n in range(3)]
    held = make_comment(org.account, post, text="Kommentar under bevarande")
    open_request = make_comment(org.account, post, text="Kommentar i kön")
    registered_post, registered_comments = make_thread(org.account, comments=1, at=OLD)
    minor_post = make_post(org.account, text="Rutininlägg", at=OLD, is_own=False)
    minor_comment = make_comment(org.account, minor_post, text="Rutinfråga")
    other_post, other_comments = make_thread(org.other_account, comments=1, at=OLD)
    diary.diary_case_register(
        actor=org.registrar, record=registered_post, title="Registrerad", snapshot=False
    )
    diary.registration_not_needed(
        actor=org.registrar,
        request=registration_request(record=minor_comment, reason="high_attention"),
        note="ringa",
    )
    registration_request(record=open_request, reason="high_attention")
    retention_assign_missing()
    legal_hold_set(actor=org.registrar, record=held, hold=True, reason="Begäran om utlämnande pågår")
    return {
        "post": post,
        "plain": plain,
        "held": held,
        "open_request": open_request,
        "registered": [registered_post, *registered_comments],
        "minor": [minor_post, minor_comment],
        "other": [other_post, *other_comments],
    }


def test_f12_dry_run_lists_what_would_go_and_disposes_of_nothing(org, old_records):
    batch = disposal_propose(actor=org.registrar, department=org.own, cutoff=CUTOFF)
    candidates = set(batch.candidates.values_list("record_id", flat=True))
    assert candidates == {r.pk for r in old_records["plain"]} | {r.pk for r in old_records["minor"]}
    assert batch.summary == {
        "SM-KOM": {"name": "Kommentarer från allmänheten", "count": 3},
        "SM-RINGA": {"name": "Ringa betydelse / rutinmässig", "count": 2},
    }
    assert batch.state == DisposalBatch.State.PROPOSED
    assert Record.objects.filter(pk__in=candidates).count() == 5


def test_n17_never_disposed_of_hold_registered_permanent_open_request(org, old_records):
    batch = disposal_propose(department=org.own, cutoff=date(2100, 1, 1))
    candidates = set(batch.candidates.values_list("record_id", flat=True))
    kept = [old_records["post"], old_records["held"], old_records["open_request"], *old_records["registered"]]
    assert not candidates & {r.pk for r in kept}
    assert not candidates & {r.pk for r in old_records["other"]}  # another department's batch


def test_f12_approval_disposes_and_logs(org, old_records):
    batch = disposal_propose(department=org.own, cutoff=CUTOFF)
    victim = old_records["plain"][0]
    versions = list(RecordVersion.objects.filter(record=victim).values_list("number", "sha256"))
    # Something changes between the dry run and the approval: checked again, kept.
    legal_hold_set(actor=org.registrar, record=old_records["plain"][2], hold=True, reason="Tvist")

    disposal_approve(actor=org.registrar, batch=batch)

    batch.refresh_from_db()
    assert (batch.state, batch.disposed_count, batch.skipped_count) == ("disposed", 4, 1)
    assert batch.approved_by == org.registrar
    assert not Record.objects.filter(
        pk__in=[victim.pk, old_records["plain"][1].pk, *[r.pk for r in old_records["minor"]]]
    ).exists()
    assert not RecordVersion.objects.filter(record_id=victim.pk).exists()
    assert Record.objects.filter(pk=old_records["plain"][2].pk).exists()
    entry = DisposalLog.objects.get(platform_id=victim.platform_id)
    assert entry.approved_by == org.registrar and entry.document_class_code == "SM-KOM"
    assert entry.content_sha256 == victim.content_sha256 and entry.raw_sha256 == victim.raw_sha256
    assert entry.version_hashes == [list(v) for v in versions]
    assert entry.account == org.account and entry.retention_until == date(2022, 12, 31)
    assert DiaryEvent.objects.filter(action="disposal_approved").count() == 1
    with pytest.raises(DisposalError):
        disposal_approve(actor=org.registrar, batch=batch)
    # The log is kept: nothing disposes of it, and a later run leaves it alone.
    disposal_propose(department=org.own, cutoff=date(2100, 1, 1))
    assert DisposalLog.objects.count() == 4


def test_f12_disposal_is_the_only_way_past_the_archive_guard(org, old_records):
    from archive.models import ChainEntry

    victim = old_records["plain"][0]
    with pytest.raises(Exception, match="may only be deleted by disposal"), transaction.atomic():
        Record.objects.filter(pk=victim.pk).delete()
    batch = disposal_propose(department=org.own, cutoff=CUTOFF)
    disposal_approve(actor=org.registrar, batch=batch)
    assert not Record.objects.filter(pk=victim.pk).exists()
    assert ChainEntry.objects.filter(kind="disposal", platform_id=victim.platform_id).exists()
    # The permission ends with the disposal.
    with pytest.raises(Exception, match="may only be deleted by disposal"), transaction.atomic():
        Record.objects.filter(pk=old_records["post"].pk).delete()


def test_f12_a_new_dry_run_replaces_the_old_one(org, old_records):
    first = disposal_propose(department=org.own, cutoff=CUTOFF)
    second = disposal_propose(department=org.own, cutoff=CUTOFF)
    first.refresh_from_db()
    assert first.state == "superseded" and second.state == "proposed"
    with pytest.raises(DisposalError):
        disposal_approve(actor=org.registrar, batch=first)


def test_f12_nightly_task_classifies_and_proposes(org):
    post = make_post(org.account, text="Inlägg", at=OLD)
    comment = make_comment(org.account, post, text="Kommentar")
    make_thread(org.account, comments=1, at=datetime.now(UTC) - timedelta(days=1))
    assert retention_nightly() == 1
    batch = DisposalBatch.objects.get(department=org.own)
    assert list(batch.candidates.values_list("record_id", flat=True)) == [comment.pk]
    assert Record.objects.filter(pk=comment.pk).exists()  # a dry run only


def test_f12_legal_hold_is_set_and_lifted_with_a_reason(org, client):
    post, comments = make_thread(org.account, comments=1)
    url = reverse("registry:diary_legal_hold", args=[comments[0].pk])
    client.force_login(org.registrar)
    assert client.get(url).status_code == 200
    assert client.post(url, {"hold": "1", "reason": ""}).status_code == 200  # a reason is needed
    comments[0].refresh_from_db()
    assert not comments[0].legal_hold
    client.post(url, {"hold": "1", "reason": "Begäran om utlämnande"})
    comments[0].refresh_from_db()
    assert comments[0].legal_hold
    client.post(url, {"hold": "0", "reason": "Ärendet avslutat"})
    comments[0].refresh_from_db()
    assert not comments[0].legal_hold
    events = list(
        DiaryEvent.objects.filter(record=comments[0]).order_by("pk").values_list("action", "detail", "actor")
    )
    assert events == [
        ("hold_set", "Begäran om utlämnande", org.registrar.pk),
        ("hold_cleared", "Ärendet avslutat", org.registrar.pk),
    ]


def test_f12_municipal_registrar_edits_a_class_and_dates_follow(org, client):
    post, comments = make_thread(org.account, comments=1, at=datetime(2026, 6, 1, tzinfo=UTC))
    retention_assign(record=comments[0])
    incoming = DocumentClass.objects.get(applies_to="incoming")
    change = {
        "code": "SM-KOM",
        "name": "Kommentarer",
        "applies_to": "incoming",
        "retention_years": "5",
        "description": "",
    }
    url = reverse("registry:diary_document_class_edit", args=[incoming.pk])
    # The classes hold for every department: a department's registrar reads them, never changes them.
    client.force_login(org.registrar)
    assert client.get(reverse("registry:diary_document_classes")).status_code == 200
    assert client.post(url, change).status_code == 403
    comments[0].refresh_from_db()
    assert comments[0].retention_until != date(2031, 12, 31)
    client.force_login(org.city_registrar)
    response = client.post(url, change)
    assert response.status_code == 302
    comments[0].refresh_from_db()
    assert comments[0].retention_until == date(2031, 12, 31)
    bad = client.post(
        reverse("registry:diary_document_class_new"),
        {"code": "X", "name": "X", "applies_to": "minor", "permanent": "on", "retention_years": "3"},
    )
    assert bad.status_code == 200 and not DocumentClass.objects.filter(code="X").exists()


def test_f12_disposal_pages_dry_run_and_approve(org, client, old_records, django_capture_on_commit_callbacks):
    from registry.models import DisposalRun
    from registry.tasks import disposal_run

    client.force_login(org.registrar)
    with django_capture_on_commit_callbacks():
        response = client.post(reverse("registry:diary_disposal_propose"), {"department": org.own.pk})
    run = DisposalRun.objects.get()
    assert response["Location"] == run.get_absolute_url()
    disposal_run.apply(args=[run.pk])  # what the worker does
    batch = DisposalBatch.objects.get(state="proposed")
    assert (
        reverse("registry:diary_disposal_batch", args=[batch.pk])
        in client.get(run.get_absolute_url()).content.decode()
    )
    page = client.get(reverse("registry:diary_disposal_batch", args=[batch.pk]))
    assert page.status_code == 200 and 'data-count="SM-KOM">3<' in page.content.decode()
    assert 'data-confirm="' in page.content.decode()
    client.post(reverse("registry:diary_disposal_approve", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == "disposed" and batch.disposed_count == 5
    assert client.get(reverse("registry:diary_disposal")).status_code == 200
