"""Delivery to the e-archive: an E-ARK CSIP/SIP 2.x package (FGS Paketstruktur 2.0) of an account's
year, checked by the independent E-ARK validator and the PREMIS schema, and what the next package
of the same year says changed."""

import hashlib
import json
import urllib.request
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from archive.models import Record, RecordKind
from archive.services import (
    IncomingItem,
    media_file_store,
    record_ingest,
    record_remove,
    source_response_store,
)
from registry.earchive import EarchiveError, earchive_package_build, earchive_package_create
from registry.models import DiaryEvent, DisposalLog, DocumentClass, EarchivePackage
from registry.retention import disposal_approve, disposal_propose, retention_assign_missing

from .conftest import make_comment, make_post

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "earchive"
METS = "{http://www.loc.gov/METS/}"
PREMIS = "{http://www.loc.gov/premis/v3}"
XLINK = "{http://www.w3.org/1999/xlink}"
MAY = datetime(2025, 5, 12, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def eark_validator():
    """The E-ARK validator from PyPI. It reads four vocabularies from the web when first imported;
    with no network here it is served its own bundled copies (eark_validator/ipxml/resources/vocabs)."""
    import importlib.util

    vocabs = Path(importlib.util.find_spec("eark_validator").origin).parent / "ipxml" / "resources" / "vocabs"
    original = urllib.request.urlopen
    asked = []

    def bundled(url, *args, **kwargs):
        asked.append(url)
        return (vocabs / str(url).rsplit("/", 1)[-1]).open("rb")

    urllib.request.urlopen = bundled
    try:
        from eark_validator.mets import MetsValidator
        from eark_validator.model.validation_report import Severity
        from eark_validator.packages import PackageValidator
        from eark_validator.specifications.specification import SpecificationVersion
    finally:
        urllib.request.urlopen = original

    def errors(root: Path) -> list[str]:
        report = PackageValidator(root, SpecificationVersion.V2_1_0).validation_report
        found = [m.message for m in report.structure.messages if m.severity == Severity.ERROR]
        assert report.metadata is not None, found
        for results in (report.metadata.schema_results, report.metadata.schematron_results):
            found += [f"{m.rule_id} {m.message}" for m in results.messages if m.severity == Severity.ERROR]
        # SIP14 as eark-validator 1.1.3 checks it (an unqualified NOTETYPE="IDENTIFICATIONCODE" on the
        # note of every CREATOR agent) contradicts CSIP16 and the METS schema for the creating
        # software agent every package must have; E-ARK SIP 2.1 asks it of the ARCHIVIST agent.
        found = [finding for finding in found if not finding.startswith("SIP14 ")]
        # The validator checks the representation's METS against the METS and CSIP schemas (its
        # Schematron rules are written for the package's root METS).
        rep = root / "representations" / "rep1"
        mets = MetsValidator(str(rep))
        mets.validate_mets("METS.xml")
        found += [f"rep1 {m.rule_id} {m.message}" for m in mets.validation_errors]
        return found

    return errors


@pytest.fixture(scope="session")
def premis_schema():
    return etree.XMLSchema(etree.parse(str(FIXTURES / "premis-v3-subset.xsd")))


@pytest.fixture
def year_2025(org):
    """A post of 2025 received in an API response, a comment edited once with a photo, a comment the
    municipality removed, and a record of 2026 that does not belong to the year."""
    body = b'{"id":"p-2025","content":"V\\u00e4gen \\u00e4r avst\\u00e4ngd i dag."}'
    source = source_response_store(
        account=org.account,
        url="https://mastodon.example/api/v1/statuses/p-2025",
        status=200,
        headers={"Content-Type": "application/json; charset=utf-8"},
        body=body,
        fetched_at=MAY + timedelta(minutes=5),
    )
    post = record_ingest(
        account=org.account,
        item=IncomingItem(
            platform_id="p-2025",
            kind=RecordKind.POST,
            is_own=True,
            published_at=MAY,
            text="Vägen är avstängd i dag.",
            author_name="Exempelby kommun",
            raw=json.loads(body),
        ),
        source=source,
        seen_at=MAY + timedelta(minutes=5),
    ).record
    edited = make_comment(org.account, post, text="När öppnar vägen?", at=MAY + timedelta(hours=1))
    record_ingest(
        account=org.account,
        item=IncomingItem(
            platform_id=edited.platform_id,
            kind=RecordKind.COMMENT,
            published_at=edited.published_at,
            parent_platform_id=post.platform_id,
            thread_platform_id=post.platform_id,
            text="När öppnar vägen igen?",
            author_name="Eva Invånare",
            raw={"id": edited.platform_id, "content": "När öppnar vägen igen?"},
        ),
        seen_at=MAY + timedelta(hours=2),
    )
    media_file_store(
        record=edited,
        url="https://files.mastodon.example/vag.png",
        media_type="image",
        content=b"\x89PNG\r\n\x1a\n fotot",
        content_type="image/png",
        fetched_at=MAY + timedelta(hours=1),
    )
    removed = make_comment(org.account, post, text="Ring 070-123 45 67", at=MAY + timedelta(hours=3))
    record_remove(
        actor=org.alice,
        record=removed,
        ground="personal_data",
        reason="Telefonnummer till privatperson",
        at=MAY + timedelta(hours=4),
    )
    make_post(org.account, text="Nytt år", at=datetime(2026, 1, 2, 9, 0, tzinfo=UTC))
    return post, Record.objects.get(pk=edited.pk), Record.objects.get(pk=removed.pk), source


def _build(org, tmp_path, year=2025):
    package = earchive_package_create(actor=org.registrar, account=org.account, year=year)
    return earchive_package_build(package_id=package.pk, out_dir=tmp_path), tmp_path / package.objid


def test_package_of_a_year_validates_as_an_eark_sip(org, year_2025, tmp_path, eark_validator):
    package, root = _build(org, tmp_path)
    assert package.status == EarchivePackage.Status.DONE
    assert eark_validator(root) == []
    assert (root / "METS.xml").is_file()
    assert (root / "metadata" / "descriptive" / "dc.xml").is_file()
    assert (root / "metadata" / "preservation" / "premis.xml").is_file()
    assert (root / "representations" / "rep1" / "METS.xml").is_file()
    header = etree.parse(str(root / "METS.xml")).find(f"{METS}metsHdr")
    assert header.get("{https://DILCIS.eu/XML/METS/CSIPExtensionMETS}OAISPACKAGETYPE") == "SIP"


def test_package_holds_the_records_as_received_and_every_file_has_its_sha256(org, year_2025, tmp_path):
    post, edited, removed, source = year_2025
    package, root = _build(org, tmp_path)
    data = root / "representations" / "rep1" / "data"
    # The API response byte for byte, and each version's JSON as it was received.
    assert (data / f"responses/response-{source.pk}.json").read_bytes() == bytes(source.body)
    assert json.loads((data / f"records/{edited.pk}/version-2.json").read_text())["content"] == (
        "När öppnar vägen igen?"
    )
    assert list((data / f"media/{edited.pk}").iterdir())[0].read_bytes() == b"\x89PNG\r\n\x1a\n fotot"
    catalogue = {entry["id"]: entry for entry in json.loads((data / "records.json").read_text())}
    assert set(catalogue) == {post.pk, edited.pk, removed.pk}  # the 2026 post is not of the year
    assert catalogue[removed.pk]["removal_ground"] == "personal_data"
    # Every file under the package is in a METS file section with its size and SHA-256.
    listed = {}
    for mets in (root / "METS.xml", root / "representations/rep1/METS.xml"):
        for element in etree.parse(str(mets)).iter(f"{METS}file", f"{METS}mdRef"):
            location = element.find(f"{METS}FLocat")
            href = (location if location is not None else element).get(f"{XLINK}href")
            assert element.get("CHECKSUMTYPE") == "SHA-256"
            listed[(mets.parent / href).resolve()] = element.get("CHECKSUM")
    files = {path.resolve() for path in root.rglob("*") if path.is_file()} - {(root / "METS.xml").resolve()}
    assert set(listed) == files
    for path, checksum in listed.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == checksum
    # The zip kept with the package is the same package.
    with zipfile.ZipFile(package.file.path) as archive:
        assert f"{package.objid}/METS.xml" in archive.namelist()
    assert hashlib.sha256(Path(package.file.path).read_bytes()).hexdigest() == package.sha256


def test_premis_tells_captures_versions_removal_and_verification(org, year_2025, tmp_path, premis_schema):
    post, edited, removed, source = year_2025
    _package, root = _build(org, tmp_path)
    premis = etree.parse(str(root / "metadata" / "preservation" / "premis.xml"))
    premis_schema.assertValid(premis)
    events = [
        (
            event.findtext(f"{PREMIS}eventType"),
            event.findtext(f"{PREMIS}eventDateTime"),
            event.findtext(f"{PREMIS}eventDetailInformation/{PREMIS}eventDetail"),
        )
        for event in premis.iter(f"{PREMIS}event")
    ]
    capture = [e for e in events if e[0] == "capture" and source.sha256 in e[2] and "answered 200" in e[2]]
    assert capture and capture[0][1] == "2025-05-12T08:35:00Z"
    assert any(
        e[0] == "modification" and f"Version 2 of mastodon:{edited.platform_id}" in e[2] for e in events
    )
    removal = [e for e in events if e[0] == "deletion"]
    assert len(removal) == 1 and "personal_data" in removal[0][2] and "Telefonnummer" in removal[0][2]
    assert removal[0][1] == "2025-05-12T12:30:00Z"
    assert [e for e in events if e[0] == "fixity check" and "verify" in e[2]]


def test_second_package_of_the_year_says_what_changed(org, year_2025, tmp_path):
    post, edited, removed, source = year_2025
    first, _root = _build(org, tmp_path / "first")
    late = make_comment(org.account, post, text="Tack för beskedet", at=MAY + timedelta(days=1))
    record_remove(
        actor=org.alice, record=edited, ground="other", reason="Fel tråd", at=MAY + timedelta(days=2)
    )
    second, _root = _build(org, tmp_path / "second")
    assert second.previous == first
    assert second.summary["added"] == 1 and second.summary["changed"] == 1
    assert second.summary["unchanged"] == 2 and second.summary["gone"] == 0
    assert second.summary["added_refs"] == [f"mastodon:{late.platform_id}"]
    assert second.summary["changed_refs"] == [f"mastodon:{edited.platform_id}"]
    assert set(second.items.values_list("record_id", flat=True)) == {post.pk, edited.pk, removed.pk, late.pk}
    assert DiaryEvent.objects.filter(action=DiaryEvent.Action.EARCHIVE_PACKAGED).count() == 2


def test_earchive_export_command_writes_a_valid_package(org, year_2025, tmp_path, eark_validator, capsys):
    call_command("earchive_export", account=org.account.pk, year=2025, out=tmp_path)
    call_command("earchive_export", account=org.account.pk, year=2025, out=tmp_path)
    output = capsys.readouterr().out
    assert "3 records" in output and "0 added, 0 changed, 0 gone, 3 unchanged" in output
    packages = list(EarchivePackage.objects.order_by("pk"))
    assert len(packages) == 2 and all(p.status == EarchivePackage.Status.DONE for p in packages)
    for package in packages:
        assert eark_validator(tmp_path / package.objid) == []
    with pytest.raises(CommandError, match="No service account"):
        call_command("earchive_export", account=999999, year=2025, out=tmp_path)


def test_a_package_that_does_not_verify_is_never_offered(org, year_2025, tmp_path):
    post, edited, removed, source = year_2025
    # A version's text altered behind the archive's back (as a superuser could, with the guarding
    # triggers off): its hash no longer matches the one in the hash chain.
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE archive_recordversion SET text = 'Förfalskad', sha256 = %s WHERE record_id = %s",
            ["0" * 64, post.pk],
        )
    package = earchive_package_create(actor=org.registrar, account=org.account, year=2025)
    with pytest.raises(EarchiveError):
        earchive_package_build(package_id=package.pk, out_dir=tmp_path)
    package.refresh_from_db()
    assert package.status == EarchivePackage.Status.FAILED
    assert (
        "Kontots arkiv håller inte vid kontrollen" in package.error
        and "does not match its hash" in package.error
    )
    assert not package.file and package.items.count() == 0
    assert not (tmp_path / package.objid).exists()


def test_only_the_departments_registrar_orders_a_package(org, year_2025):
    from django.core.exceptions import PermissionDenied

    for person in (org.alice, org.other_head, org.info):
        with pytest.raises(PermissionDenied):
            earchive_package_create(actor=person, account=org.account, year=2025)
    assert earchive_package_create(actor=org.registrar, account=org.account, year=2025).status == "queued"


def test_f12_record_of_a_class_delivered_to_the_earchive_is_disposed_of_only_after_delivery(org, tmp_path):
    """The class for comments from the public says "deliver to the e-archive": a comment whose two
    years are over stays until a package with it has been made, and is disposed of after."""
    incoming = DocumentClass.objects.get(applies_to="incoming")
    incoming.deliver_to_earchive = True
    incoming.save()
    old = datetime(2021, 3, 4, 10, 0, tzinfo=UTC)
    post = make_post(org.account, text="Gammalt inlägg", at=old)
    comment = make_comment(org.account, post, text="Gammal fråga")
    retention_assign_missing()
    assert disposal_propose(department=org.own, cutoff=date(2026, 6, 1)) is None
    _build(org, tmp_path, year=2021)
    batch = disposal_propose(department=org.own, cutoff=date(2026, 6, 1))
    assert [candidate.record_id for candidate in batch.candidates.all()] == [comment.pk]
    # Edited on the platform after delivery: kept until a package holds the new version too.
    record_ingest(
        account=org.account,
        item=IncomingItem(
            platform_id=comment.platform_id,
            kind=RecordKind.COMMENT,
            published_at=comment.published_at,
            parent_platform_id=post.platform_id,
            thread_platform_id=post.platform_id,
            text="Gammal fråga, ändrad",
            raw={"id": comment.platform_id, "content": "Gammal fråga, ändrad"},
        ),
    )
    assert disposal_propose(department=org.own, cutoff=date(2026, 6, 1)) is None
    _build(org, tmp_path / "again", year=2021)
    batch = disposal_propose(department=org.own, cutoff=date(2026, 6, 1))
    assert [candidate.record_id for candidate in batch.candidates.all()] == [comment.pk]
    disposal_approve(actor=org.registrar, batch=batch)
    assert not Record.objects.filter(pk=comment.pk).exists()
    assert DisposalLog.objects.filter(platform_id=comment.platform_id).exists()


# Serialized rollback, like the diary's other tests on committed data, so that the reference data
# (content types, document classes) is put back the same way for the tests after it.
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_registrar_orders_a_package_a_worker_makes_it_and_it_is_downloaded(
    org, celery_worker, client, settings
):
    import time

    from django.urls import reverse

    from tests import settings as test_settings

    settings.MEDIA_ROOT = test_settings.MEDIA_ROOT  # where the worker keeps the zip
    post = make_post(org.account, text="Inlägg för e-arkivet", at=MAY)
    make_comment(org.account, post, text="En fråga")
    client.force_login(org.registrar)
    response = client.post(
        reverse("registry:diary_earchive_order"), {"account": org.account.pk, "year": 2025}
    )
    package = EarchivePackage.objects.get()
    assert response.url == reverse("registry:diary_earchive_package", args=[package.pk])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        package.refresh_from_db()
        if package.status in (EarchivePackage.Status.DONE, EarchivePackage.Status.FAILED):
            break
        time.sleep(0.5)
    assert package.status == EarchivePackage.Status.DONE, package.error
    status = client.get(reverse("registry:diary_earchive_status", args=[package.pk])).content.decode()
    download = reverse("registry:diary_earchive_file", args=[package.pk])
    assert "hx-get" not in status and download in status
    body = b"".join(client.get(download).streaming_content)
    assert hashlib.sha256(body).hexdigest() == package.sha256
    import io

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert f"{package.objid}/representations/rep1/data/records.json" in archive.namelist()


@pytest.mark.parametrize(
    "who, allowed",
    [("registrar", True), ("city_registrar", True), ("info", False), ("alice", False), ("other_head", False)],
)
def test_earchive_pages_check_access(org, year_2025, client, who, allowed, tmp_path):
    from django.urls import reverse

    package, _root = _build(org, tmp_path)
    client.force_login(getattr(org, who))
    for name in ("diary_earchive_package", "diary_earchive_status", "diary_earchive_file"):
        response = client.get(reverse(f"registry:{name}", args=[package.pk]))
        assert response.status_code == (200 if allowed else 403)
    response = client.get(reverse("registry:diary_earchive"))
    page = reverse("registry:diary_earchive_package", args=[package.pk])
    assert (response.status_code == 200 and page in response.content.decode()) == allowed
    response = client.post(
        reverse("registry:diary_earchive_order"), {"account": org.account.pk, "year": 2025}
    )
    assert response.status_code == (302 if allowed else 403)
    assert EarchivePackage.objects.count() == (2 if allowed else 1)


def test_order_form_refuses_a_year_not_begun_in_swedish(org, client):
    from django.urls import reverse

    client.force_login(org.registrar)
    response = client.post(
        reverse("registry:diary_earchive_order"),
        {"account": org.account.pk, "year": date.today().year + 1},
        follow=True,
    )
    assert "Välj ett år som har börjat." in response.content.decode()
    assert not EarchivePackage.objects.exists()


def test_a_file_changed_after_packing_or_a_broken_mets_does_not_validate(org, year_2025, tmp_path):
    from registry.earchive import earchive_package_validate

    _package, root = _build(org, tmp_path)
    assert earchive_package_validate(root) == []
    catalogue = root / "representations" / "rep1" / "data" / "records.json"
    catalogue.write_text("[]")
    (root / "representations" / "rep1" / "data" / "extra.txt").write_text("ej förtecknad")
    problems = earchive_package_validate(root)
    assert "representations/rep1/data/records.json does not match its checksum" in problems
    assert "representations/rep1/data/extra.txt is in no METS file section" in problems
    # A METS without its structural map is refused by the E-ARK validator.
    _package, root = _build(org, tmp_path / "second")
    mets = etree.parse(str(root / "METS.xml"))
    mets.getroot().remove(mets.find(f"{METS}structMap"))
    mets.write(str(root / "METS.xml"))
    assert earchive_package_validate(root)


def test_registrar_marks_a_document_class_as_delivered_to_the_earchive(org, client):
    from django.urls import reverse

    incoming = DocumentClass.objects.get(applies_to="incoming")
    client.force_login(org.city_registrar)  # the classes hold for the whole municipality
    response = client.post(
        reverse("registry:diary_document_class_edit", args=[incoming.pk]),
        {
            "code": incoming.code,
            "name": incoming.name,
            "applies_to": incoming.applies_to,
            "retention_years": 2,
            "deliver_to_earchive": "on",
            "description": "",
        },
    )
    assert response.status_code == 302
    incoming.refresh_from_db()
    assert incoming.deliver_to_earchive
    listing = client.get(reverse("registry:diary_document_classes")).content.decode()
    assert "Levereras före gallring" in listing
