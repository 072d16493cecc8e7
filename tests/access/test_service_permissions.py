"""Every service that takes an acting person checks that person's permission itself, whatever
page (or task, or shell) called it: a person without the permission is refused and nothing changes."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied

from archive import services as archive_services
from archive.models import AccessLog, DisclosureExport, Record
from registry import diary, retention
from registry.models import (
    DiaryCase,
    DiaryEvent,
    DisposalBatch,
    DisposalLog,
    DocumentClass,
    RegistrationRequest,
)
from reports import services as report_services
from reports.models import ReportPdf
from tests.registry.conftest import make_thread

OLD = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _unchanged(*models):
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def thread(org):
    post, comments = make_thread(org.account, comments=1)
    return post, comments


# The diary.


@pytest.mark.parametrize("person", ["alice", "head", "web", "info"])
def test_diary_case_register_refuses_a_person_who_does_not_keep_the_diary(org, thread, person):
    post, _ = thread
    before = _unchanged(DiaryCase, DiaryEvent)
    with pytest.raises(PermissionDenied):
        diary.diary_case_register(actor=getattr(org, person), record=post, title="Storgatan", snapshot=False)
    assert _unchanged(DiaryCase, DiaryEvent) == before


def test_diary_case_register_refuses_another_departments_registrar(org):
    post, _ = make_thread(org.other_account, comments=1)
    with pytest.raises(PermissionDenied):
        diary.diary_case_register(actor=org.registrar, record=post, title="x", snapshot=False)
    assert not DiaryCase.objects.exists()
    case = diary.diary_case_register(actor=org.city_registrar, record=post, title="x", snapshot=False)
    assert case.department == org.other


def test_diary_case_attach_refuses_a_person_who_does_not_keep_the_diary(org, thread):
    post, comments = thread
    case = diary.diary_case_register(actor=org.registrar, record=post, title="t", snapshot=False)
    later, _ = make_thread(org.account, comments=0)
    documents = case.documents.count()
    with pytest.raises(PermissionDenied):
        diary.diary_case_attach(actor=org.alice, record=later, case=case, snapshot=False)
    assert case.documents.count() == documents


def test_registration_not_needed_refuses_a_communicator(org, thread):
    _, comments = thread
    request = diary.registration_request(record=comments[0], reason="high_attention")
    with pytest.raises(PermissionDenied):
        diary.registration_not_needed(actor=org.alice, request=request, note="ringa")
    request.refresh_from_db()
    assert request.handled_at is None


def test_samlingsakt_get_or_create_refuses_a_head_and_takes_no_number(org):
    with pytest.raises(PermissionDenied):
        diary.samlingsakt_get_or_create(actor=org.head, department=org.own, year=2026)
    assert not DiaryCase.objects.exists()


# Retention and disposal.


@pytest.fixture
def batch(org):
    make_thread(org.account, comments=2, at=OLD)
    retention.retention_assign_missing()
    return retention.disposal_propose(department=org.own, cutoff=date(2026, 1, 1))


@pytest.mark.parametrize("person", ["alice", "head", "web", "info"])
def test_disposal_approve_refuses_a_person_without_the_disposal_and_deletes_nothing(org, batch, person):
    records = Record.objects.count()
    with pytest.raises(PermissionDenied):
        retention.disposal_approve(actor=getattr(org, person), batch=batch)
    assert Record.objects.count() == records
    assert not DisposalLog.objects.exists()
    batch.refresh_from_db()
    assert batch.state == DisposalBatch.State.PROPOSED


def test_disposal_approve_refuses_another_departments_registrar(org):
    make_thread(org.other_account, comments=1, at=OLD)
    retention.retention_assign_missing()
    other_batch = retention.disposal_propose(department=org.other, cutoff=date(2026, 1, 1))
    records = Record.objects.count()
    with pytest.raises(PermissionDenied):
        retention.disposal_approve(actor=org.registrar, batch=other_batch)
    assert Record.objects.count() == records


def test_disposal_propose_refuses_a_communicator(org, batch):
    with pytest.raises(PermissionDenied):
        retention.disposal_propose(actor=org.alice, department=org.own, cutoff=date(2026, 1, 1))
    batch.refresh_from_db()
    assert batch.state == DisposalBatch.State.PROPOSED  # not superseded


def test_record_dispose_refuses_a_person_without_the_disposal(org, thread):
    post, _ = thread
    with pytest.raises(PermissionDenied):
        archive_services.record_dispose(actor=org.web, record=post)
    assert Record.objects.filter(pk=post.pk).exists()


def test_legal_hold_set_refuses_a_communicator(org, thread):
    post, _ = thread
    with pytest.raises(PermissionDenied):
        retention.legal_hold_set(actor=org.alice, record=post, hold=True, reason="Tvist")
    post.refresh_from_db()
    assert not post.legal_hold


def test_document_class_save_refuses_a_department_registrar(org):
    incoming = DocumentClass.objects.get(applies_to="incoming")
    years = incoming.retention_years
    incoming.retention_years = years + 3
    with pytest.raises(PermissionDenied):
        retention.document_class_save(actor=org.registrar, document_class=incoming)
    assert DocumentClass.objects.get(pk=incoming.pk).retention_years == years
    retention.document_class_save(actor=org.city_registrar, document_class=incoming)
    assert DocumentClass.objects.get(pk=incoming.pk).retention_years == years + 3


# Disclosure exports and reading records.


@pytest.fixture
def export(org, thread):
    post, comments = thread
    return archive_services.export_create(
        actor=org.registrar, request_reference="Begäran 1", record_ids=[post.pk, comments[0].pk]
    )


def test_export_services_refuse_a_person_who_does_not_handle_the_export(org, export):
    item = export.items.first()
    logs = AccessLog.objects.count()
    for person in (org.alice, org.info, org.head):
        with pytest.raises(PermissionDenied):
            archive_services.export_item_mask(
                actor=person, item=item, passages=["Storgatan"], mask_author=True
            )
        with pytest.raises(PermissionDenied):
            archive_services.export_queue_pdf(actor=person, export=export)
        with pytest.raises(PermissionDenied):
            archive_services.export_take_out(actor=person, export=export, file_format="csv")
    item.refresh_from_db()
    assert item.masks == [] and not item.mask_author
    assert DisclosureExport.objects.get(pk=export.pk).status == DisclosureExport.Status.DRAFT
    assert AccessLog.objects.count() == logs


def test_record_view_and_source_download_refuse_outside_the_scope(org, thread):
    post, _ = thread
    logs = AccessLog.objects.count()
    with pytest.raises(PermissionDenied):
        archive_services.record_view(user=org.charlie, record=post)
    with pytest.raises(PermissionDenied):
        archive_services.source_download(user=org.alice, record=post, source=post.source)
    assert AccessLog.objects.count() == logs


# Reports.


def test_report_pdf_request_refuses_a_communicator(org):
    with pytest.raises(PermissionDenied):
        report_services.report_pdf_request(actor=org.alice, year=2026, department=org.own)
    assert not ReportPdf.objects.exists()


def test_registration_request_is_left_open_when_a_registration_is_refused(org, thread):
    post, _ = thread
    request = diary.registration_request(record=post, reason="high_attention")
    with pytest.raises(PermissionDenied):
        diary.diary_case_register(actor=org.web, record=post, title="t", request=request, snapshot=False)
    assert RegistrationRequest.objects.get(pk=request.pk).handled_at is None
