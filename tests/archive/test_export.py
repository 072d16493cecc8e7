"""F11: disclosure of public records — chosen from a search, masked after secrecy review,
exported as PDF, CSV and JSON without the masked text, and every export logged."""

import csv
import io
import json
import re
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from archive import services
from archive.export import decision_text, export_html
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
        actor=org.registrar, item=item, passages=[SECRET, SECRET_NAME], mask_author=True, provision="21:7"
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
    services.export_item_mask(
        actor=org.registrar, item=item, passages=["Norrby"], mask_author=False, provision="23:2"
    )
    export.refresh_from_db()
    assert export.status == DisclosureExport.Status.DRAFT and export.pdf is None


def test_mask_form_on_the_page_saves_ranges(org, records, client):
    post, comment, _other = records
    export = services.export_create(actor=org.registrar, request_reference="B", record_ids=[comment.pk])
    item = export.items.get()
    client.force_login(org.registrar)
    response = client.post(
        reverse("archive:export_mask", args=[export.pk, item.pk]),
        {
            f"item{item.pk}-passages": f"{SECRET}\n\n",
            f"item{item.pk}-mask_author": "on",
            f"item{item.pk}-provision": "21:7",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    start = comment.text.index(SECRET)
    assert item.masks == [[start, start + len(SECRET), "21:7"]] and item.mask_author
    assert item.author_provision == "21:7"
    page = client.get(export.get_absolute_url()).content.decode()
    shown = page.split('class="archive-text">')[1].split("</p>")[0]
    assert SECRET not in shown and "████████" in shown
    assert "sekretess enligt 21 kap. 7 § OSL" in page
    assert (
        AccessLog.objects.filter(export=export, action=AccessLog.Action.MASK, user=org.registrar).count() == 1
    )


@pytest.mark.worker
def test_f11_pdf_is_produced_by_a_worker_and_the_page_polls_its_progress(
    org, transactional_db, celery_worker, client
):
    post = ingest(org.account, f"Svar till {SECRET_NAME}.")
    export = services.export_create(actor=org.registrar, request_reference="Begäran W", record_ids=[post.pk])
    services.export_item_mask(
        actor=org.registrar,
        item=export.items.get(),
        passages=[SECRET_NAME],
        mask_author=False,
        provision="21:7",
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


def test_f11_the_disclosure_documents_speak_swedish(org, records, client):
    """Headings, kinds, platforms and times in words: no code, no English, no ISO timestamp."""
    post, comment, _other = records
    export = _masked_export(org, post, comment)
    client.force_login(org.registrar)
    csv_body = client.get(reverse("archive:export_download", args=[export.pk, "csv"])).content.decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(csv_body), delimiter=";"))
    assert rows[0][:6] == ["Handling", "Plattform", "Konto", "Förvaltning", "Typ", "Upprättad eller inkommen"]
    kinds = {row[4] for row in rows[1:]}
    assert kinds <= {"Inlägg", "Kommentar"} and "Kommentar" in kinds
    assert {row[1] for row in rows[1:]} == {"Mastodon"}
    assert {row[12] for row in rows[1:]} == {"Ja", "Nej"}
    html = export_html(export)
    for body in (csv_body, html):
        assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", body)
        assert re.search(
            r"\d{1,2} (januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december) \d{4} kl\. \d{2}\.\d{2}",
            body,
        )
        assert "comment" not in body.lower()


def test_f11_a_typed_passage_that_is_not_in_the_text_is_refused_and_nothing_is_saved(org, records, client):
    _post, comment, _other = records
    export = services.export_create(actor=org.registrar, request_reference="B", record_ids=[comment.pk])
    item = export.items.get()
    client.force_login(org.registrar)
    response = client.post(
        reverse("archive:export_mask", args=[export.pk, item.pk]),
        {f"item{item.pk}-passages": f"{SECRET}\nHemlig Hanson", f"item{item.pk}-provision": "21:7"},
        follow=True,
    )
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["Det här finns inte i texten, så ingenting maskerades: ”Hemlig Hanson”"]
    item.refresh_from_db()
    assert item.masks == []


def test_f11_every_masking_cites_a_secrecy_provision(org, records):
    _post, comment, _other = records
    export = services.export_create(actor=org.registrar, request_reference="B", record_ids=[comment.pk])
    item = export.items.get()
    with pytest.raises(ValidationError, match="sekretessbestämmelse"):
        services.export_item_mask(actor=org.registrar, item=item, passages=[SECRET], mask_author=False)
    with pytest.raises(ValidationError):
        services.export_item_mask(
            actor=org.registrar, item=item, passages=[SECRET], mask_author=False, provision="99:99"
        )
    item.refresh_from_db()
    assert item.masks == []
    # A passage already masked keeps its provision when another is added under a different one.
    services.export_item_mask(
        actor=org.registrar, item=item, passages=[SECRET], mask_author=False, provision="21:7"
    )
    services.export_item_mask(
        actor=org.registrar, item=item, passages=[SECRET, SECRET_NAME], mask_author=False, provision="23:2"
    )
    item.refresh_from_db()
    assert sorted(mask[2] for mask in item.masks) == ["21:7", "23:2"]


def test_f11_flagged_personal_data_is_offered_and_masked_with_one_click(org, records, client):
    _post, comment, _other = records
    export = services.export_create(actor=org.registrar, request_reference="B", record_ids=[comment.pk])
    item = export.items.get()
    client.force_login(org.registrar)
    page = client.get(export.get_absolute_url()).content.decode()
    suggestion = page.split('class="plain-list mask-suggestions"')[1].split("</ul>")[0]
    assert f'name="passage" value="{SECRET}"' in suggestion and 'name="provision" value="21:7"' in suggestion
    assert "Maskera Personnummer: 19121212-1212" in suggestion
    client.post(
        reverse("archive:export_mask_suggestion", args=[export.pk, item.pk]),
        {"passage": SECRET, "provision": "21:7"},
    )
    item.refresh_from_db()
    start = comment.text.index(SECRET)
    assert item.masks == [[start, start + len(SECRET), "21:7"]]
    page = client.get(export.get_absolute_url()).content.decode()
    assert "mask-suggestions" not in page  # nothing left to suggest


def test_f11_a_refusal_in_part_carries_the_provisions_and_how_to_appeal(org, records, client):
    post, comment, _other = records
    export = _masked_export(org, post, comment)
    services.export_item_mask(
        actor=org.registrar,
        item=export.items.get(record=post),
        passages=["Norrby"],
        mask_author=False,
        provision="23:2",
    )
    text = decision_text(export)
    assert text.startswith("Beslut om utlämnande av allmänna handlingar")
    assert "Begäran: Begäran 2026-03-05, journalist" in text and "avslås alltså delvis" in text
    assert text.index("21 kap. 7 § OSL") < text.index("23 kap. 2 § OSL")  # in the order of the law
    assert "Personuppgifter, om ett utlämnande skulle strida mot dataskyddsförordningen" in text
    assert "kammarrätten" in text and "inom tre veckor" in text
    assert str(org.registrar) in text
    client.force_login(org.registrar)
    assert "kammarrätten" in client.get(export.get_absolute_url()).content.decode()
    assert "kammarrätten" in export_html(export)
    document = json.loads(client.get(reverse("archive:export_download", args=[export.pk, "json"])).content)
    assert document["decision"] == text
    unmasked = services.export_create(actor=org.registrar, request_reference="C", record_ids=[post.pk])
    assert decision_text(unmasked) == ""


def test_the_archive_start_page_shows_recent_records_and_waiting_disclosures(org, records, client):
    post, comment, other = records
    export = services.export_create(
        actor=org.registrar, request_reference="Begäran om skolan", record_ids=[post.pk]
    )
    client.force_login(org.registrar)
    html = client.get(reverse("archive:search")).content.decode()
    assert "Senast arkiverat" in html and "Dina pågående utlämnanden" in html
    assert reverse("archive:record", args=[comment.pk]) in html
    assert reverse("archive:record", args=[other.pk]) not in html  # another department's
    assert export.get_absolute_url() in html and "Begäran om skolan" in html
    client.get(reverse("archive:export_download", args=[export.pk, "csv"]))
    html = client.get(reverse("archive:search")).content.decode()
    assert "Begäran om skolan" not in html and "Inget utlämnande väntar" in html
