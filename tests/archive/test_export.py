"""F11: disclosure of public records — chosen from a search, masked after secrecy review,
exported as PDF, CSV and JSON without the masked text, and every export logged."""

import json
import time

import pytest
from django.urls import reverse

from archive import services
from archive.models import AccessLog, DisclosureExport, RecordKind
from tests.archive.helpers import ingest
from tests.pdf import pdf_text

SECRET = "19121212-1212"
SECRET_NAME = "Hemliga Hansson"


@pytest.fixture
def records(org):
    post = ingest(org.account, "Skolan på Norrby stänger för renovering.")
    comment = ingest(
        org.account,
        f"Mitt barn på skolan har personnummer {SECRET} och heter {SECRET_NAME}. Vad gäller?",
        kind=RecordKind.COMMENT,
        thread=post,
        author_name="Eva Invånare",
        author_handle="eva_privat",
    )
    other = ingest(org.other_account, "Skolan i Söderby renoveras.")
    return post, comment, other


def _masked_export(org, post, comment):
    export = services.export_create(
        actor=org.registrar,
        request_reference="Begäran 2026-03-05, journalist",
        record_ids=[comment.pk, post.pk],
    )
    item = export.items.get(record=comment)
    services.export_item_mask(
        actor=org.registrar, item=item, passages=[SECRET, SECRET_NAME], mask_author=True
    )
    return export


def test_f11_records_are_chosen_from_a_search_and_scoped_to_the_department(org, records, client):
    post, comment, other = records
    client.force_login(org.registrar)
    response = client.post(
        reverse("archive:export_create"),
        {"request_reference": "Begäran 1", "scope": "chosen", "records": [comment.pk, other.pk, post.pk]},
    )
    export = DisclosureExport.objects.get()
    assert response.status_code == 302 and response["Location"] == export.get_absolute_url()
    # The other department's record is not the registrar's to disclose.
    assert list(export.items.values_list("record_id", flat=True)) == [comment.pk, post.pk]
    assert export.created_by == org.registrar


def test_f11_all_results_of_a_search_can_be_chosen(org, records, client):
    post, comment, _other = records
    client.force_login(org.registrar)
    client.post(
        reverse("archive:export_create") + "?q=skolan",
        {"request_reference": "Begäran 2", "scope": "all"},
    )
    export = DisclosureExport.objects.get()
    assert set(export.items.values_list("record_id", flat=True)) == {post.pk, comment.pk}


def test_f11_a_disclosure_needs_a_request_reference(org, records, client):
    client.force_login(org.registrar)
    client.post(reverse("archive:export_create"), {"request_reference": "", "records": [records[0].pk]})
    assert not DisclosureExport.objects.exists()


def test_f11_masked_text_is_absent_from_csv_and_json_and_each_export_is_logged(org, records, client):
    post, comment, _other = records
    export = _masked_export(org, post, comment)
    client.force_login(org.registrar)
    csv_body = client.get(reverse("archive:export_download", args=[export.pk, "csv"])).content.decode(
        "utf-8-sig"
    )
    json_body = client.get(reverse("archive:export_download", args=[export.pk, "json"])).content.decode()
    for body in (csv_body, json_body):
        assert SECRET not in body and SECRET_NAME not in body
        assert "Eva Invånare" not in body and "eva_privat" not in body
        assert "Vad gäller?" in body and "████████" in body
        assert "Skolan på Norrby stänger för renovering." in body
    document = json.loads(json_body)
    assert document["request_reference"] == "Begäran 2026-03-05, journalist"
    masked_row = next(row for row in document["records"] if row["record"] == comment.pk)
    assert masked_row["masked"] and masked_row["sha256"] == ""
    logs = AccessLog.objects.filter(export=export, action=AccessLog.Action.EXPORT).order_by("pk")
    assert [(log.user, log.detail["format"]) for log in logs] == [
        (org.registrar, "csv"),
        (org.registrar, "json"),
    ]
    assert logs[0].detail["request_reference"] == export.request_reference
    assert set(logs[0].detail["records"]) == {post.pk, comment.pk}


def test_f11_masked_text_is_absent_from_the_pdf(org, records, client):
    post, comment, _other = records
    export = _masked_export(org, post, comment)
    services.export_queue_pdf(actor=org.registrar, export=export)
    services.export_render_pdf(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == DisclosureExport.Status.DONE and export.progress == 100
    pdf = bytes(export.pdf)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Vad gäller?" in text and "Skolan på Norrby" in text and "journalist" in text
    assert (
        SECRET not in text and SECRET_NAME not in text and "Hansson" not in text and "eva_privat" not in text
    )
    assert SECRET.encode() not in pdf and b"Hemliga" not in pdf
    client.force_login(org.registrar)
    response = client.get(reverse("archive:export_download", args=[export.pk, "pdf"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AccessLog.objects.filter(export=export, detail__format="pdf").count() == 1


def test_changing_the_masking_withdraws_the_old_pdf(org, records):
    post, comment, _other = records
    export = _masked_export(org, post, comment)
    services.export_queue_pdf(actor=org.registrar, export=export)
    services.export_render_pdf(export_id=export.pk)
    item = export.items.get(record=post)
    services.export_item_mask(actor=org.registrar, item=item, passages=["Norrby"], mask_author=False)
    export.refresh_from_db()
    assert export.status == DisclosureExport.Status.DRAFT and export.pdf is None


def test_mask_form_on_the_page_saves_ranges(org, records, client):
    post, comment, _other = records
    export = services.export_create(actor=org.registrar, request_reference="B", record_ids=[comment.pk])
    item = export.items.get()
    client.force_login(org.registrar)
    response = client.post(
        reverse("archive:export_mask", args=[export.pk, item.pk]),
        {f"item{item.pk}-passages": f"{SECRET}\n\n", f"item{item.pk}-mask_author": "on"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    start = comment.text.index(SECRET)
    assert item.masks == [[start, start + len(SECRET)]] and item.mask_author
    page = client.get(export.get_absolute_url()).content.decode()
    assert page.count(SECRET) == 1  # only in the mask form's list of passages, not in the text shown


@pytest.mark.worker
def test_f11_pdf_is_produced_by_a_worker_and_the_page_polls_its_progress(
    org, transactional_db, celery_worker, client
):
    post = ingest(org.account, f"Svar till {SECRET_NAME}.")
    export = services.export_create(actor=org.registrar, request_reference="Begäran W", record_ids=[post.pk])
    services.export_item_mask(
        actor=org.registrar, item=export.items.get(), passages=[SECRET_NAME], mask_author=False
    )
    client.force_login(org.registrar)
    client.post(reverse("archive:export_pdf", args=[export.pk]))
    status = client.get(reverse("archive:export_status", args=[export.pk])).content.decode()
    assert 'hx-get="' in status or "Download" in status or "Ladda" in status
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status in (DisclosureExport.Status.DONE, DisclosureExport.Status.FAILED):
            break
        time.sleep(0.5)
    assert export.status == DisclosureExport.Status.DONE, export.error
    status = client.get(reverse("archive:export_status", args=[export.pk])).content.decode()
    assert "hx-get" not in status and reverse("archive:export_download", args=[export.pk, "pdf"]) in status
    assert SECRET_NAME.encode() not in bytes(export.pdf)


@pytest.mark.parametrize(
    "who, status",
    [("registrar", 200), ("web", 200), ("city_registrar", 200), ("info", 403), ("alice", 403), ("head", 403)],
)
def test_export_pages_check_access(org, records, client, who, status):
    export = services.export_create(actor=org.registrar, request_reference="B", record_ids=[records[0].pk])
    client.force_login(getattr(org, who))
    assert client.get(reverse("archive:exports")).status_code == status
    assert client.get(export.get_absolute_url()).status_code == status
    assert client.get(reverse("archive:export_download", args=[export.pk, "csv"])).status_code in (
        (status,) if status == 403 else (200,)
    )


def test_another_registrar_cannot_open_someone_elses_disclosure(org, records, client):
    from accounts.roles import Role
    from tests.factories import UserFactory

    export = services.export_create(actor=org.registrar, request_reference="B", record_ids=[records[0].pk])
    other_registrar = UserFactory(department=org.other, roles=[Role.REGISTRAR])
    client.force_login(other_registrar)
    assert client.get(export.get_absolute_url()).status_code == 403
    assert client.get(reverse("archive:export_download", args=[export.pk, "json"])).status_code == 403
