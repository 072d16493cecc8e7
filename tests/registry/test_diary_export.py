"""The diary of a department and year for the case-management system: FGS Ärendehantering 2.0
(E-ARK CITS ERMS) XML validated against the DILCIS Board's schema, and CSV with Swedish headings."""

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from lxml import etree, isoschematron

from registry import diary
from registry.diary_export import diary_export_build, diary_export_create
from registry.models import DiaryDocument, DiaryEvent, DiaryExport

from .conftest import make_comment, make_post, make_thread

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "erms"
ERMS = "{https://DILCIS.eu/XML/ERMS}"
MARCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def erms_schema():
    """The official CITS ERMS 2.1.2 schema (FGS Ärendehantering 2.0), kept as test data."""
    return etree.XMLSchema(etree.parse(str(FIXTURES / "ERMS.xsd")))


@pytest.fixture(scope="module")
def erms_rules():
    """The official Schematron rules beside the schema. They declare XSLT 2 but use only XPath 1.0
    (attribute tests and normalize-space), so lxml's XSLT 1 Schematron runs them unchanged."""
    rules = etree.parse(str(FIXTURES / "erms.sch"))
    rules.getroot().set("queryBinding", "xslt")
    return isoschematron.Schematron(rules)


@pytest.fixture
def year_2026(org):
    """Two threads with their own diary numbers (one with a comment whose text holds characters
    XML cannot carry), a post only in the samlingsakt, and the samlingsakt of the year."""
    post, comments = make_thread(org.account, comments=2, at=MARCH)
    case = diary.diary_case_register(
        actor=org.registrar, record=post, title="Ombyggnaden av Storgatan", at=MARCH
    )
    snapshot = case.documents.get(kind=DiaryDocument.Kind.SNAPSHOT)
    snapshot.file.save("skarmdump.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    second = make_post(org.account, text="Skolavslutningen flyttas", at=MARCH + timedelta(days=30))
    odd = make_comment(org.account, second, text="Varför\x00 flyttas den\x0b? =SUMMA(A1)")
    second_case = diary.diary_case_register(
        actor=org.registrar,
        record=second,
        title="Skolavslutningen",
        snapshot=False,
        at=MARCH + timedelta(days=31),
    )
    only_post = make_post(org.account, text="Sommarlovet börjar", at=MARCH + timedelta(days=60))
    collective = diary.samlingsakt_get_or_create(actor=org.registrar, department=org.own, year=2026)
    make_thread(org.other_account, comments=1, at=MARCH)  # another department's, not in the export
    return {
        "case": case,
        "second_case": second_case,
        "collective": collective,
        "posts": [post, second, only_post],
        "comments": [*comments, odd],
    }


def _export(org):
    export = diary_export_create(actor=org.registrar, department=org.own, year=2026)
    return diary_export_build(export_id=export.pk)


def test_diary_export_xml_validates_against_the_erms_schema_and_holds_the_whole_diary(
    org, year_2026, erms_schema, erms_rules
):
    export = _export(org)
    assert export.status == DiaryExport.Status.DONE
    with export.xml_file.open("rb") as handle:
        tree = etree.parse(handle)
    erms_schema.assertValid(tree)
    assert erms_rules.validate(tree), erms_rules.error_log
    aggregations = {
        element.findtext(f"{ERMS}objectId"): element for element in tree.iter(f"{ERMS}aggregation")
    }
    case, second_case, collective = year_2026["case"], year_2026["second_case"], year_2026["collective"]
    # Each case and the samlingsakt, by diary number: BUN 2026/1, 2026/2, 2026/3.
    assert set(aggregations) == {case.diary_number, second_case.diary_number, collective.diary_number}
    assert aggregations[case.diary_number].findtext(f"{ERMS}title") == "Ombyggnaden av Storgatan"
    # Each document of each case, by document number, with the record it is.
    for diary_case in (case, second_case):
        records = {
            record.findtext(f"{ERMS}objectId"): record
            for record in aggregations[diary_case.diary_number].findall(f"{ERMS}record")
        }
        expected = {document.document_number for document in diary_case.documents.all()}
        assert set(records) == expected and expected
        for document in diary_case.documents.filter(kind=DiaryDocument.Kind.RECORD):
            assert records[document.document_number].findtext(f"{ERMS}extraId") == (
                f"mastodon:{document.record.platform_id}"
            )
    snapshot = case.documents.get(kind=DiaryDocument.Kind.SNAPSHOT)
    assert aggregations[case.diary_number].find(
        f"{ERMS}record[{ERMS}objectId='{snapshot.document_number}']/{ERMS}direction"
    ).get("directionDefinition") == ("internal_memo_without_follow-up")
    appendix = aggregations[case.diary_number].find(
        f"{ERMS}record[{ERMS}objectId='{snapshot.document_number}']/{ERMS}additionalInformation/{ERMS}appendix"
    )
    assert appendix.get("path").endswith(reverse("registry:diary_document_file", args=[snapshot.pk]))
    # The samlingsakt's cross-references to the cases with their own number, and back.
    references = [
        relation.text
        for relation in aggregations[collective.diary_number].findall(f"{ERMS}relation")
        if relation.get("relationType") == "reference"
    ]
    assert references == [case.diary_number, second_case.diary_number]
    for diary_case in (case, second_case):
        back = aggregations[diary_case.diary_number].find(f"{ERMS}relation")
        assert (back.get("relationType"), back.text) == ("referenced_by", collective.diary_number)
    # The samlingsakt holds every post of the year; a post with its own case points to it.
    posts = {
        record.findtext(f"{ERMS}objectId"): record
        for record in aggregations[collective.diary_number].findall(f"{ERMS}record")
    }
    assert set(posts) == {f"mastodon:{post.platform_id}" for post in year_2026["posts"]}
    first = posts[f"mastodon:{year_2026['posts'][0].platform_id}"]
    assert first.find(f"{ERMS}relation").text == case.diary_number
    assert posts[f"mastodon:{year_2026['posts'][2].platform_id}"].find(f"{ERMS}relation") is None
    # Text XML cannot carry is replaced, never lost silently or left to break the file.
    odd = year_2026["comments"][-1]
    assert "\x0b" in odd.text
    description = tree.find(f".//{ERMS}record[{ERMS}extraId='mastodon:{odd.platform_id}']/{ERMS}description")
    assert description.text.startswith("Varför") and description.text.endswith("den\ufffd? =SUMMA(A1)")
    assert export.summary == {"cases": 2, "samlingsakt": collective.diary_number, "documents": 9}
    assert DiaryEvent.objects.filter(action=DiaryEvent.Action.DIARY_EXPORTED, department=org.own).count() == 1


def test_diary_export_csv_has_swedish_headings_and_a_row_per_document(org, year_2026):
    export = _export(org)
    with export.csv_file.open("rb") as handle:
        text = handle.read().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:6] == [
        "Diarienummer",
        "Typ av ärende",
        "Ärendemening",
        "Ärendets status",
        "Ärendet registrerat",
        "Handlingsnummer",
    ]
    assert "Korshänvisning" in rows[0]
    by_document = {row[5]: row for row in rows[1:] if row[5]}
    for diary_case in (year_2026["case"], year_2026["second_case"]):
        for document in diary_case.documents.all():
            assert by_document[document.document_number][0] == diary_case.diary_number
            assert by_document[document.document_number][-1] == year_2026["collective"].diary_number
    collective_rows = [row for row in rows[1:] if row[0] == year_2026["collective"].diary_number]
    cross = [row[-1] for row in collective_rows if row[6] == "Korshänvisning"]
    assert cross == [year_2026["case"].diary_number, year_2026["second_case"].diary_number]
    assert sum(row[6] == "Inlägg" for row in collective_rows) == 3
    # Text that a spreadsheet program would run as a formula is made inert.
    assert not any(cell.startswith("=") for row in rows for cell in row)
    assert "Inkommen" in {row[8] for row in rows[1:]} and "Upprättad" in {row[8] for row in rows[1:]}


def test_diary_export_command_writes_both_files(org, year_2026, tmp_path, erms_schema, capsys):
    call_command("diary_export", department="bun", year=2026, out=tmp_path)
    assert "2 cases" in capsys.readouterr().out
    xml = next(tmp_path.glob("*.xml"))
    erms_schema.assertValid(etree.parse(str(xml)))
    assert next(tmp_path.glob("*.csv")).read_bytes().startswith("\ufeff".encode())
    with pytest.raises(CommandError, match="No department"):
        call_command("diary_export", department="XYZ", year=2026, out=tmp_path)


def test_registrar_exports_the_diary_from_the_page_and_downloads_it(org, year_2026, client, erms_schema):
    client.force_login(org.registrar)
    response = client.post(reverse("registry:diary_export_order"), {"department": org.own.pk, "year": 2026})
    assert response.status_code == 302
    export = DiaryExport.objects.get()
    assert export.status == DiaryExport.Status.DONE
    page = client.get(reverse("registry:diary_exports")).content.decode()
    assert reverse("registry:diary_export_xml", args=[export.pk]) in page
    body = b"".join(client.get(reverse("registry:diary_export_xml", args=[export.pk])).streaming_content)
    erms_schema.assertValid(etree.fromstring(body))
    csv_response = client.get(reverse("registry:diary_export_csv", args=[export.pk]))
    assert csv_response["Content-Disposition"].startswith("attachment")
    # The municipality's registrar downloads it too; a head of department neither orders nor downloads.
    client.force_login(org.city_registrar)
    assert client.get(reverse("registry:diary_export_xml", args=[export.pk])).status_code == 200
    client.force_login(org.head)
    assert client.get(reverse("registry:diary_export_xml", args=[export.pk])).status_code == 403
    assert (
        client.post(
            reverse("registry:diary_export_order"), {"department": org.own.pk, "year": 2026}
        ).status_code
        == 403
    )


def test_diary_export_refuses_a_year_not_begun_in_swedish(org, client):
    client.force_login(org.registrar)
    response = client.post(
        reverse("registry:diary_export_order"), {"department": org.own.pk, "year": 2999}, follow=True
    )
    assert "Välj ett år som har börjat." in response.content.decode()
    assert not DiaryExport.objects.exists()


# Serialized rollback, like the diary's other tests on committed data.
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_diary_is_exported_by_a_worker(
    org, celery_worker, client, settings, monkeypatch, erms_schema
):
    import time

    from registry import diary_export
    from tests import settings as test_settings

    settings.MEDIA_ROOT = test_settings.MEDIA_ROOT  # where the worker keeps the files
    monkeypatch.setattr(diary_export, "DIRECT_LIMIT", 0)
    post, _comments = make_thread(org.account, comments=1, at=MARCH)
    diary.diary_case_register(actor=org.registrar, record=post, title="Stort", snapshot=False, at=MARCH)
    client.force_login(org.registrar)
    response = client.post(reverse("registry:diary_export_order"), {"department": org.own.pk, "year": 2026})
    assert response.status_code == 302
    export = DiaryExport.objects.get()
    deadline = time.monotonic() + 120
    while export.status == DiaryExport.Status.QUEUED and time.monotonic() < deadline:
        time.sleep(0.5)
        export.refresh_from_db()
    assert export.status == DiaryExport.Status.DONE, export.error
    body = b"".join(client.get(reverse("registry:diary_export_xml", args=[export.pk])).streaming_content)
    erms_schema.assertValid(etree.fromstring(body))
