"""Delivery to the e-archive (e-arkiv): one account's records of one year as an information package.

The package follows E-ARK CSIP/SIP 2.x, which Riksarkivet's FGS Paketstruktur 2.0 adopts:

    <OBJID>/METS.xml                            the package, with checksums of what it refers to
    <OBJID>/metadata/descriptive/dc.xml         Dublin Core: the account, its department and the year
    <OBJID>/metadata/preservation/premis.xml    PREMIS 3: captures, versions, removals, the verification
    <OBJID>/representations/rep1/METS.xml       the representation, with SHA-256 of every data file
    <OBJID>/representations/rep1/data/          responses/ (API responses as received),
                                                records/<id>/version-<n>.json (each version's JSON as
                                                received), media/<id>/ (downloaded files), records.json
    <OBJID>/documentation/README.txt            what the package holds, in Swedish
    <OBJID>/schemas/                            the METS, xlink and E-ARK extension schemas

A package is offered only when it validates: every file is in a METS file section with its size
and SHA-256, the account's hash chain verifies, and — where eark-validator is installed — the E-ARK
validator finds no error. Otherwise the package is marked failed with the reason.
"""

import hashlib
import json
import mimetypes
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from lxml import etree

from accounts.models import Department, ServiceAccount
from archive.integrity import verify_archive
from archive.models import Record, SourceResponse

from .diary import year_bounds
from .earchive_integrity import integrity_files, mets_integrity, premis_integrity
from .models import DiaryEvent, EarchivePackage, EarchivePackageRecord
from .permissions import can_keep_diary

METS_NS = "http://www.loc.gov/METS/"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PREMIS_NS = "http://www.loc.gov/premis/v3"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
SOFTWARE = "smgov"
SOFTWARE_VERSION = "0.1.0"
REP = "representations/rep1"
CONTENT_INFORMATION_TYPE = "smgov social media records"
SCHEMAS = Path(__file__).resolve().parent / "earchive_schemas"


class EarchiveError(Exception):
    """A package that cannot be made or does not validate; the message is shown to the registrar."""


@dataclass
class PackageFile:
    """A file of the package: where it lies under the package root and what it is."""

    path: str
    size: int
    sha256: str
    mimetype: str
    created: datetime


@dataclass
class Contents:
    records: list[Record] = field(default_factory=list)
    data: list[PackageFile] = field(default_factory=list)
    renderings: dict[int, str] = field(default_factory=dict)  # first record of a thread → its PDF


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _write(root: Path, relative: str, data: bytes, *, mimetype: str, created: datetime) -> PackageFile:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return PackageFile(relative, len(data), hashlib.sha256(data).hexdigest(), mimetype, created)


def _xml_bytes(element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _mimetype(content_type: str, default: str = "application/octet-stream") -> str:
    value = (content_type or "").split(";")[0].strip().lower()
    return value if "/" in value else default


def _response_mimetype(response: SourceResponse) -> str:
    headers = {str(key).lower(): value for key, value in (response.headers or {}).items()}
    return _mimetype(str(headers.get("content-type", "")), "application/json")


def _extension(mimetype: str) -> str:
    if mimetype.endswith("json"):
        return ".json"
    return mimetypes.guess_extension(mimetype) or ".bin"


# --- reads -------------------------------------------------------------------------------------


def earchive_year_records(*, account: ServiceAccount, year: int):
    """The account's records drawn up or received in the year (Europe/Stockholm)."""
    start, end = year_bounds(year)
    return (
        Record.objects.filter(account=account, published_at__gte=start, published_at__lt=end)
        .select_related("account", "department")
        .order_by("published_at", "pk")
        .prefetch_related("versions", "media_files")
    )


def earchive_package_records(package: EarchivePackage):
    """The records a package holds: the account's or the department's of the year, or for an
    account's final package every record of the account."""
    Scope = EarchivePackage.Scope
    if package.scope == Scope.ACCOUNT_YEAR:
        return earchive_year_records(account=package.account, year=package.year)
    if package.scope == Scope.ACCOUNT_FINAL:
        records = Record.objects.filter(account=package.account)
    else:
        start, end = year_bounds(package.year)
        records = Record.objects.filter(
            department=package.department, published_at__gte=start, published_at__lt=end
        )
    return (
        records.select_related("account", "department")
        .order_by("published_at", "pk")
        .prefetch_related("versions", "media_files")
    )


def earchive_changes(*, package: EarchivePackage) -> dict:
    """What changed since the last delivered package of the same scope."""
    now = {item.record_id: item for item in package.items.all()}
    if package.previous_id is None:
        return {"previous": None, "added": len(now), "changed": 0, "gone": 0, "unchanged": 0}
    before = {item.record_id: item for item in package.previous.items.all()}
    changed = [
        pk
        for pk in now.keys() & before.keys()
        if (now[pk].content_sha256, now[pk].version_count, now[pk].removed)
        != (before[pk].content_sha256, before[pk].version_count, before[pk].removed)
    ]
    return {
        "previous": package.previous.objid,
        "added": len(now.keys() - before.keys()),
        "changed": len(changed),
        "gone": len(before.keys() - now.keys()),
        "unchanged": len(now.keys() & before.keys()) - len(changed),
        "added_refs": sorted(
            f"{now[pk].platform}:{now[pk].platform_id}" for pk in now.keys() - before.keys()
        ),
        "changed_refs": sorted(f"{now[pk].platform}:{now[pk].platform_id}" for pk in changed),
        "gone_refs": sorted(
            f"{before[pk].platform}:{before[pk].platform_id}" for pk in before.keys() - now.keys()
        ),
    }


def earchive_final_package(account: ServiceAccount) -> EarchivePackage | None:
    return (
        EarchivePackage.objects.filter(
            account=account, scope=EarchivePackage.Scope.ACCOUNT_FINAL, status=EarchivePackage.Status.DONE
        )
        .order_by("-finished_at", "-pk")
        .first()
    )


def earchive_retire_check(account: ServiceAccount) -> str:
    """Archive before close: an account with records is retired only after its final package (every
    record as it is now) has been made. Registered with the account register's retirement."""
    records = Record.objects.filter(account=account)
    if not records.exists():
        return ""
    final = earchive_final_package(account)
    if final is None:
        return _(
            "The account cannot be retired before its final package for the e-archive is made. A registrar "
            "of %(department)s makes it under Diary → E-archive (“An account's final package”); then retire "
            "the account."
        ) % {"department": account.department}
    delivered = EarchivePackageRecord.objects.filter(
        package=final,
        record_id=OuterRef("pk"),
        content_sha256=OuterRef("content_sha256"),
        version_count=OuterRef("version_count"),
    )
    changed = records.alias(
        delivered=Exists(delivered.filter(removed=False)),
        delivered_removed=Exists(delivered.filter(removed=True)),
    ).exclude(
        Q(removed_at__isnull=True, delivered=True) | Q(removed_at__isnull=False, delivered_removed=True)
    )
    count = changed.count()
    if count:
        return _(
            "%(count)s records of the account are new or changed since its final package for the e-archive "
            "was made: a registrar makes a new final package under Diary → E-archive; then retire the account."
        ) % {"count": count}
    return ""


# --- writes ------------------------------------------------------------------------------------


@transaction.atomic
def earchive_package_create(
    *,
    actor,
    account: ServiceAccount | None = None,
    department: Department | None = None,
    year: int | None = None,
    final: bool = False,
    at: datetime | None = None,
) -> EarchivePackage:
    """Order a package of the account's records of the year, of the department's records of the
    year (no account), or the account's final package of all its records (`final`). `actor` is None
    when the command line orders it (whoever runs manage.py already holds the archive)."""
    Scope = EarchivePackage.Scope
    scope = Scope.ACCOUNT_FINAL if final else Scope.ACCOUNT_YEAR if account else Scope.DEPARTMENT_YEAR
    department = account.department if account is not None else department
    if department is None:
        raise EarchiveError(_("Choose an account or a department."))
    if actor is not None and not can_keep_diary(actor, department):
        raise PermissionDenied
    if final:
        year = None
        if account is None:
            raise EarchiveError(_("A final package is made of one account."))
    elif year is None or not 1900 <= year <= timezone.localdate().year:
        raise EarchiveError(_("Choose a year that has begun."))
    same = {"scope": scope, "account": account, "year": year}
    if scope == Scope.DEPARTMENT_YEAR:
        same["department"] = department
    return EarchivePackage.objects.create(
        **(same | {"department": department}),
        objid=f"uuid-{uuid.uuid4()}",
        created_by=actor,
        created_at=at or timezone.now(),
        previous=EarchivePackage.objects.filter(**same, status=EarchivePackage.Status.DONE).first(),
    )


@transaction.atomic
def earchive_package_queue(*, actor, **scope) -> EarchivePackage:
    """Order a package (the scope as for `earchive_package_create`) and have a worker make it; the
    page shows its progress."""
    package = earchive_package_create(actor=actor, **scope)
    from .tasks import earchive_package_make

    transaction.on_commit(lambda: earchive_package_make.delay(package.pk))
    return package


def _progress(package_id: int, **fields) -> None:
    # Written outside the building work, so the page that polls sees it at once.
    EarchivePackage.objects.filter(pk=package_id).update(**fields)


def earchive_package_build(
    *, package_id: int, out_dir: Path | None = None, progress: Callable[[int], None] | None = None
) -> EarchivePackage:
    """Make the package: write it under `out_dir/<OBJID>/` (or a temporary folder), validate it,
    and keep it zipped with the package row. Raises EarchiveError, and marks the package failed,
    when it does not validate."""
    package = EarchivePackage.objects.select_related("account", "department").get(pk=package_id)
    if package.status == EarchivePackage.Status.DONE:
        return package

    def report(percent: int) -> None:
        _progress(package_id, progress=percent)
        if progress:
            progress(percent)

    _progress(package_id, status=EarchivePackage.Status.RUNNING, progress=1, error="")
    with tempfile.TemporaryDirectory(prefix="earchive-") as scratch:
        root = Path(out_dir or scratch) / package.objid
        if root.exists():
            shutil.rmtree(root)
        try:
            contents = _write_package(package, root, report)
            problems = earchive_package_validate(root)
            if problems:
                raise EarchiveError(
                    _("The package does not validate: %(problems)s") % {"problems": "; ".join(problems[:20])}
                )
            report(95)
            archive = _zip(root)
        except Exception as error:
            # What does not validate is not left where it could be delivered.
            shutil.rmtree(root, ignore_errors=True)
            _progress(package_id, status=EarchivePackage.Status.FAILED, error=str(error)[:4000])
            raise
    return _package_done(package=package, contents=contents, archive=archive)


@transaction.atomic
def _package_done(*, package: EarchivePackage, contents: Contents, archive: bytes) -> EarchivePackage:
    EarchivePackageRecord.objects.bulk_create(
        EarchivePackageRecord(
            package=package,
            record_id=record.pk,
            platform=record.platform,
            platform_id=record.platform_id,
            content_sha256=record.content_sha256,
            version_count=record.version_count,
            removed=record.removed_at is not None,
        )
        for record in contents.records
    )
    package.file.save(f"{package.objid}.zip", ContentFile(archive), save=False)
    package.sha256 = hashlib.sha256(archive).hexdigest()
    package.size = len(archive)
    package.status = EarchivePackage.Status.DONE
    package.progress = 100
    package.error = ""
    package.finished_at = timezone.now()
    package.summary = {"records": len(contents.records), "files": len(contents.data)}
    package.summary |= earchive_changes(package=package)
    package.save(
        update_fields=["file", "sha256", "size", "status", "progress", "error", "finished_at", "summary"]
    )
    DiaryEvent.objects.create(
        action=DiaryEvent.Action.EARCHIVE_PACKAGED,
        actor=package.created_by,
        department=package.department,
        detail=f"{package.objid}: {package.label}, {len(contents.records)} records",
    )
    return package


def _zip(root: Path) -> bytes:
    with tempfile.TemporaryFile() as buffer:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    archive.write(path, f"{root.name}/{path.relative_to(root).as_posix()}")
        buffer.seek(0)
        return buffer.read()


# --- the package's files -----------------------------------------------------------------------


def _write_package(package: EarchivePackage, root: Path, report: Callable[[int], None]) -> Contents:
    made_at = timezone.now()
    contents = Contents(records=list(earchive_package_records(package)))
    report(10)
    accounts = (
        [package.account_id] if package.account_id else sorted({r.account_id for r in contents.records})
    )
    chain = verify_archive(account_ids=accounts)
    if not chain.ok:
        raise EarchiveError(
            _("The archive of the account does not verify: %(problem)s") % {"problem": chain.mismatch}
        )
    source_ids = set()
    for record in contents.records:
        source_ids |= {record.source_id, *(version.source_id for version in record.versions.all())}
    source_ids.discard(None)
    responses = {}
    for response in SourceResponse.objects.filter(pk__in=source_ids).order_by("pk").iterator(chunk_size=200):
        mimetype = _response_mimetype(response)
        path = f"{REP}/data/responses/response-{response.pk}{_extension(mimetype)}"
        # The body exactly as received; a purged response keeps only its hash (in PREMIS).
        if response.body:
            contents.data.append(
                _write(root, path, bytes(response.body), mimetype=mimetype, created=response.fetched_at)
            )
        responses[response.pk] = (response, path if response.body else "")
    report(40)
    renderings = _write_renderings(package, root, contents, made_at)
    catalogue = []
    for index, record in enumerate(contents.records):
        entry = _record_entry(record)
        if record.pk in renderings:
            entry["rendering"] = renderings[record.pk][len(REP) + 1 :]
        for version in record.versions.all():
            if version.raw_canonical:
                file = _write(
                    root,
                    f"{REP}/data/records/{record.pk}/version-{version.number}.json",
                    version.raw_canonical.encode("utf-8"),
                    mimetype="application/json",
                    created=version.seen_at,
                )
                contents.data.append(file)
                entry["versions"].append({"number": version.number, "file": file.path[len(REP) + 1 :]})
        for media in record.media_files.all():
            if media.file:
                with media.file.open("rb") as handle:
                    data = handle.read()
                mimetype = _mimetype(media.content_type)
                name = Path(media.file.name).name
                file = _write(
                    root,
                    f"{REP}/data/media/{record.pk}/{name}",
                    data,
                    mimetype=mimetype,
                    created=media.fetched_at or record.first_seen_at,
                )
                contents.data.append(file)
                entry["media"].append(
                    {"url": media.url, "file": file.path[len(REP) + 1 :], "sha256": file.sha256}
                )
        catalogue.append(entry)
        if index % 200 == 0:
            report(40 + int(40 * index / max(len(contents.records), 1)))
    contents.data.append(
        _write(
            root,
            f"{REP}/data/records.json",
            json.dumps(catalogue, ensure_ascii=False, indent=1).encode("utf-8"),
            mimetype="application/json",
            created=made_at,
        )
    )
    report(80)
    rep_mets = _write(
        root,
        f"{REP}/METS.xml",
        _xml_bytes(_representation_mets(package, contents.data, made_at)),
        mimetype="text/xml",
        created=made_at,
    )
    dc = _write(
        root,
        "metadata/descriptive/dc.xml",
        _xml_bytes(_dublin_core(package, contents, made_at)),
        mimetype="text/xml",
        created=made_at,
    )
    integrity = integrity_files(
        package=package, contents=contents, root=root, write=_write, rep=REP, made_at=made_at
    )
    premis_tree = _premis(package, contents, responses, chain, made_at)
    premis_integrity(premis_tree, integrity, premis_ns=PREMIS_NS, xsi_ns=XSI_NS, iso=_iso)
    premis = _write(
        root,
        "metadata/preservation/premis.xml",
        _xml_bytes(premis_tree),
        mimetype="text/xml",
        created=made_at,
    )
    documentation = [
        _write(
            root,
            "documentation/README.txt",
            _documentation(package, contents).encode("utf-8"),
            mimetype="text/plain",
            created=made_at,
        )
    ]
    schemas = [
        _write(root, f"schemas/{path.name}", path.read_bytes(), mimetype="text/xml", created=made_at)
        for path in sorted(SCHEMAS.glob("*.xsd"))
    ]
    (root / "METS.xml").write_bytes(
        _xml_bytes(_root_mets(package, dc, premis, rep_mets, documentation, schemas, made_at, integrity))
    )
    report(90)
    return contents


def _write_renderings(package: EarchivePackage, root: Path, contents: Contents, made_at) -> dict[int, str]:
    """A PDF of every thread in the package (its records that went into the package), printed
    like the diary's snapshots: representations/rep1/data/renderings/thread-<id>.pdf."""
    from django.template.loader import render_to_string

    from smgov.lib.pdf import html_to_pdf_each, pdf_to_pdfa

    from .snapshot import safe_record_html

    threads: dict[int, list[Record]] = {}
    for record in contents.records:
        threads.setdefault(record.thread_id or record.pk, []).append(record)
    documents = []
    titles = {}
    with translation.override("sv"):
        for thread_pk, members in threads.items():
            first = next((record for record in members if record.pk == thread_pk), members[0])
            titles[first.pk] = f"{first.get_kind_display()} {first.platform}:{first.platform_id}"
            documents.append(
                (
                    first.pk,
                    render_to_string(
                        "registry/thread_rendering.html",
                        {
                            "title": titles[first.pk],
                            "municipality": settings.MUNICIPALITY_NAME,
                            "root": first,
                            "items": [{"record": r, "html": safe_record_html(r)} for r in members],
                            "made_at": made_at,
                            "package_id": package.objid,
                        },
                    ),
                )
            )

    def deliver(record_pk: int, pdf: bytes) -> None:
        # Kept for the long term: PDF/A-2b, fonts embedded, an sRGB output intent.
        pdf = pdf_to_pdfa(pdf, title=titles[record_pk])
        path = f"{REP}/data/renderings/thread-{record_pk}.pdf"
        contents.data.append(_write(root, path, pdf, mimetype="application/pdf", created=made_at))
        contents.renderings[record_pk] = path

    html_to_pdf_each(documents, deliver)
    return contents.renderings


def _documentation(package: EarchivePackage, contents: Contents) -> str:
    """A short description of the package for the archivist who receives it, in Swedish."""
    with translation.override("sv"):
        facts = {
            "municipality": settings.MUNICIPALITY_NAME,
            "department": package.department.name,
            "count": len(contents.records),
            "year": package.year,
        }
        return (
            "\n\n".join(
                [
                    _("Information package for the e-archive: %(label)s") % {"label": package.label},
                    (
                        _(
                            "%(municipality)s, %(department)s. %(count)s records drawn up or received in "
                            "%(year)s (Europe/Stockholm time)."
                        )
                        if package.year
                        else _(
                            "%(municipality)s, %(department)s. The account's final package: all its %(count)s "
                            "records, up to its retirement."
                        )
                    )
                    % facts,
                    _(
                        "The package follows E-ARK CSIP/SIP 2.x as adopted by FGS Paketstruktur 2.0. "
                        "representations/rep1/data/responses/ holds the API responses exactly as received; "
                        "records/<id>/version-<n>.json each version of a record as received; media/<id>/ the "
                        "downloaded media files; records.json lists every record with its dates, author, "
                        "removal and hashes. metadata/preservation/premis.xml records each capture, version, "
                        "removal and the verification of the archive's hash chain."
                    ),
                    _(
                        "renderings/thread-<id>.pdf is a PDF rendering of each thread, printed from its "
                        "records in the package; records.json names it under the thread's first record."
                    ),
                ]
            )
            + "\n"
        )


def _record_entry(record: Record) -> dict:
    def when(value):
        return _iso(value) if value else None

    return {
        "id": record.pk,
        "platform": record.platform,
        "platform_id": record.platform_id,
        "kind": record.kind,
        "drawn_up" if record.is_own else "received": when(record.published_at),
        "parent_platform_id": record.parent_platform_id,
        "thread_platform_id": record.thread_platform_id,
        "author_name": record.author_name,
        "author_handle": record.author_handle,
        "permalink": record.permalink,
        "text": record.text,
        "edited_at": when(record.edited_at),
        "first_seen_at": when(record.first_seen_at),
        "deleted_on_platform_at": when(record.deleted_on_platform_at),
        "removed_at": when(record.removed_at),
        "removal_ground": record.removal_ground,
        "removal_reason": record.removal_reason,
        "purged_at": when(record.purged_at),
        "raw_sha256": record.raw_sha256,
        "content_sha256": record.content_sha256,
        "versions": [],
        "media": [],
    }


def _sub(parent, ns: str, name: str, text: str | None = None, **attributes):
    element = etree.SubElement(parent, _q(ns, name))
    for key, value in attributes.items():
        element.set(key, value)
    if text is not None:
        element.text = text
    return element


def _mets_root(package: EarchivePackage, label: str, made_at: datetime, schema_path: str = "schemas/"):
    mets = etree.Element(
        _q(METS_NS, "mets"),
        nsmap={"mets": METS_NS, "csip": CSIP_NS, "sip": SIP_NS, "xlink": XLINK_NS, "xsi": XSI_NS},
    )
    mets.set("OBJID", package.objid)
    mets.set("LABEL", label)
    mets.set("TYPE", "Other")
    mets.set(_q(CSIP_NS, "OTHERTYPE"), "Social media records")
    mets.set(_q(CSIP_NS, "CONTENTINFORMATIONTYPE"), "OTHER")
    mets.set(_q(CSIP_NS, "OTHERCONTENTINFORMATIONTYPE"), CONTENT_INFORMATION_TYPE)
    mets.set("PROFILE", SIP_PROFILE)
    mets.set(
        _q(XSI_NS, "schemaLocation"),
        f"{METS_NS} {schema_path}mets.xsd {XLINK_NS} {schema_path}xlink.xsd "
        f"{CSIP_NS} {schema_path}DILCISExtensionMETS.xsd {SIP_NS} {schema_path}DILCISExtensionSIPMETS.xsd",
    )
    header = _sub(
        mets,
        METS_NS,
        "metsHdr",
        CREATEDATE=_iso(made_at),
        LASTMODDATE=_iso(made_at),
        RECORDSTATUS="NEW",
    )
    header.set(_q(CSIP_NS, "OAISPACKAGETYPE"), "SIP")
    archivist = _sub(header, METS_NS, "agent", ROLE="ARCHIVIST", TYPE="ORGANIZATION")
    _sub(archivist, METS_NS, "name", package.department.name)
    creator = _sub(header, METS_NS, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _sub(creator, METS_NS, "name", SOFTWARE)
    note = _sub(creator, METS_NS, "note", SOFTWARE_VERSION)
    note.set(_q(CSIP_NS, "NOTETYPE"), "SOFTWARE VERSION")
    submitter = _sub(header, METS_NS, "agent", ROLE="OTHER", OTHERROLE="SUBMITTER", TYPE="ORGANIZATION")
    _sub(submitter, METS_NS, "name", settings.MUNICIPALITY_NAME)
    return mets


def _md_ref(parent, file: PackageFile, mdtype: str, href: str | None = None):
    ref = _sub(
        parent,
        METS_NS,
        "mdRef",
        LOCTYPE="URL",
        MDTYPE=mdtype,
        MIMETYPE=file.mimetype,
        SIZE=str(file.size),
        CREATED=_iso(file.created),
        CHECKSUM=file.sha256,
        CHECKSUMTYPE="SHA-256",
    )
    ref.set(_q(XLINK_NS, "type"), "simple")
    ref.set(_q(XLINK_NS, "href"), href or file.path)
    return ref


def _file(parent, file: PackageFile, file_id: str, href: str):
    element = _sub(
        parent,
        METS_NS,
        "file",
        ID=file_id,
        MIMETYPE=file.mimetype,
        SIZE=str(file.size),
        CREATED=_iso(file.created),
        CHECKSUM=file.sha256,
        CHECKSUMTYPE="SHA-256",
    )
    location = _sub(element, METS_NS, "FLocat", LOCTYPE="URL")
    location.set(_q(XLINK_NS, "type"), "simple")
    location.set(_q(XLINK_NS, "href"), href)
    return element


def _group(file_sec, group_id: str, use: str):
    group = _sub(file_sec, METS_NS, "fileGrp", ID=group_id, USE=use)
    group.set(_q(CSIP_NS, "CONTENTINFORMATIONTYPE"), "OTHER")
    group.set(_q(CSIP_NS, "OTHERCONTENTINFORMATIONTYPE"), CONTENT_INFORMATION_TYPE)
    return group


def _root_mets(package, dc, premis, rep_mets, documentation, schemas, made_at, integrity=None):
    mets = _mets_root(package, package.label, made_at)
    dmd = _sub(mets, METS_NS, "dmdSec", ID="dmd-dc", CREATED=_iso(made_at), STATUS="CURRENT")
    _md_ref(dmd, dc, "DC")
    amd = _sub(mets, METS_NS, "amdSec", ID="amd")
    digiprov = _sub(amd, METS_NS, "digiprovMD", ID="digiprov-premis", STATUS="CURRENT")
    _md_ref(digiprov, premis, "PREMIS")
    admids = ["digiprov-premis"]
    if integrity:
        admids += mets_integrity(amd, integrity, md_ref=_md_ref, sub=_sub, mets_ns=METS_NS)
    file_sec = _sub(mets, METS_NS, "fileSec", ID="filesec")
    groups = (
        ("grp-documentation", "Documentation", documentation),
        ("grp-schemas", "Schemas", schemas),
        ("grp-rep1", "Representations/rep1", [rep_mets]),
    )
    for group_id, use, files in groups:
        group = _group(file_sec, group_id, use)
        for file in files:
            _file(group, file, f"file-{file.path.replace('/', '-').replace('.', '-')}", file.path)
    struct = _sub(mets, METS_NS, "structMap", ID="structmap", TYPE="PHYSICAL", LABEL="CSIP")
    package_div = _sub(struct, METS_NS, "div", ID="div-package", LABEL=package.objid)
    _sub(
        package_div,
        METS_NS,
        "div",
        ID="div-metadata",
        LABEL="Metadata",
        ADMID=" ".join(admids),
        DMDID="dmd-dc",
    )
    _sub(
        _sub(package_div, METS_NS, "div", ID="div-documentation", LABEL="Documentation"),
        METS_NS,
        "fptr",
        FILEID="grp-documentation",
    )
    _sub(
        _sub(package_div, METS_NS, "div", ID="div-schemas", LABEL="Schemas"),
        METS_NS,
        "fptr",
        FILEID="grp-schemas",
    )
    rep_div = _sub(package_div, METS_NS, "div", ID="div-representations", LABEL="Representations")
    pointer = _sub(rep_div, METS_NS, "mptr", LOCTYPE="URL")
    pointer.set(_q(XLINK_NS, "type"), "simple")
    pointer.set(_q(XLINK_NS, "href"), rep_mets.path)
    pointer.set(_q(XLINK_NS, "title"), "rep1")
    _sub(rep_div, METS_NS, "fptr", FILEID="grp-rep1")
    return mets


def _representation_mets(package, data: list[PackageFile], made_at):
    mets = _mets_root(package, f"{package.label}: rep1", made_at, "../../schemas/")
    mets.set("OBJID", f"{package.objid}-rep1")
    file_sec = _sub(mets, METS_NS, "fileSec", ID="filesec-rep1")
    group = _group(file_sec, "grp-data", "Data")
    for number, file in enumerate(data, start=1):
        _file(group, file, f"file-{number}", file.path[len(REP) + 1 :])
    struct = _sub(mets, METS_NS, "structMap", ID="structmap-rep1", TYPE="PHYSICAL", LABEL="CSIP")
    rep_div = _sub(struct, METS_NS, "div", ID="div-rep1-root", LABEL=f"{package.objid}-rep1")
    _sub(_sub(rep_div, METS_NS, "div", ID="div-data", LABEL="Data"), METS_NS, "fptr", FILEID="grp-data")
    return mets


def _dublin_core(package, contents: Contents, made_at):
    account = package.account
    root = etree.Element(_q(OAI_DC_NS, "dc"), nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS})
    own = sum(record.is_own for record in contents.records)
    years = sorted({timezone.localtime(record.published_at).year for record in contents.records})
    coverage = str(package.year) if package.year else (f"{years[0]}/{years[-1]}" if years else "")
    where = (
        f"on the account {account.handle or account.display_name}"
        if account is not None
        else f"on the accounts of {package.department.name}"
    )
    when = f"in {package.year}" if package.year else "up to the account's retirement"
    title = (
        f"{account.display_name} ({account.get_platform_display()}) {package.year or ''}".strip()
        if account is not None
        else package.label
    )
    _sub(root, DC_NS, "title", title)
    _sub(root, DC_NS, "creator", package.department.name)
    _sub(root, DC_NS, "publisher", settings.MUNICIPALITY_NAME)
    _sub(
        root,
        DC_NS,
        "description",
        f"{len(contents.records)} records drawn up or received {when} {where}: {own} drawn up by the "
        f"municipality, {len(contents.records) - own} received from the public.",
    )
    _sub(root, DC_NS, "date", str(package.year) if package.year else timezone.localdate(made_at).isoformat())
    _sub(root, DC_NS, "type", "Text")
    _sub(root, DC_NS, "format", "application/json")
    _sub(root, DC_NS, "identifier", package.objid)
    if account is not None and account.profile_url:
        _sub(root, DC_NS, "source", account.profile_url)
    _sub(root, DC_NS, "language", "sv")
    if coverage:
        _sub(root, DC_NS, "coverage", coverage)
    return root


def _premis(package, contents: Contents, responses: dict, chain, made_at):
    root = etree.Element(_q(PREMIS_NS, "premis"), nsmap={"premis": PREMIS_NS, "xsi": XSI_NS})
    root.set("version", "3.0")
    events = []
    software = ("local", f"agent-{SOFTWARE}")
    municipality = ("local", "agent-municipality")

    def identifier(parent, kind: str, value: tuple[str, str]):
        element = _sub(parent, PREMIS_NS, f"{kind}Identifier")
        _sub(element, PREMIS_NS, f"{kind}IdentifierType", value[0])
        _sub(element, PREMIS_NS, f"{kind}IdentifierValue", value[1])

    def event(event_type, at, detail, objects, *, outcome="success", agent=software):
        events.append((f"event-{len(events) + 1}", event_type, at, detail, objects, outcome, agent))

    files_by_path = {file.path: file for file in contents.data}

    def file_object(path: str, original_name: str | None = None, within: str | None = None):
        file = files_by_path[path]
        obj = _sub(root, PREMIS_NS, "object")
        obj.set(_q(XSI_NS, "type"), "premis:file")
        identifier(obj, "object", ("filepath", path))
        characteristics = _sub(obj, PREMIS_NS, "objectCharacteristics")
        _sub(characteristics, PREMIS_NS, "compositionLevel", "0")
        fixity = _sub(characteristics, PREMIS_NS, "fixity")
        _sub(fixity, PREMIS_NS, "messageDigestAlgorithm", "SHA-256")
        _sub(fixity, PREMIS_NS, "messageDigest", file.sha256)
        _sub(fixity, PREMIS_NS, "messageDigestOriginator", SOFTWARE)
        _sub(characteristics, PREMIS_NS, "size", str(file.size))
        designation = _sub(_sub(characteristics, PREMIS_NS, "format"), PREMIS_NS, "formatDesignation")
        _sub(designation, PREMIS_NS, "formatName", file.mimetype)
        if original_name:
            _sub(obj, PREMIS_NS, "originalName", original_name)
        if within:
            relationship = _sub(obj, PREMIS_NS, "relationship")
            _sub(relationship, PREMIS_NS, "relationshipType", "structural")
            _sub(relationship, PREMIS_NS, "relationshipSubType", "is part of")
            identifier(relationship, "relatedObject", ("local", within))

    for response, path in responses.values():
        objects = [("filepath", path)] if path else []
        if path:
            file_object(path, original_name=response.url)
        event(
            "capture",
            response.fetched_at,
            f"{response.method} {response.url} answered {response.status}; "
            f"SHA-256 of the response as received: {response.sha256}"
            + ("" if path else "; the response was erased, its hash is kept"),
            objects,
            outcome="success" if response.status < 400 else "failure",
        )
    for record in contents.records:
        ref = f"record-{record.pk}"
        entity = _sub(root, PREMIS_NS, "object")
        entity.set(_q(XSI_NS, "type"), "premis:intellectualEntity")
        identifier(entity, "object", ("local", ref))
        identifier(entity, "object", (record.platform, record.platform_id))
        significant = _sub(entity, PREMIS_NS, "significantProperties")
        _sub(significant, PREMIS_NS, "significantPropertiesType", "content SHA-256")
        _sub(significant, PREMIS_NS, "significantPropertiesValue", record.content_sha256)
        for version in record.versions.all():
            path = f"{REP}/data/records/{record.pk}/version-{version.number}.json"
            objects = [("local", ref)]
            if path in files_by_path:
                objects.append(("filepath", path))
            source = responses.get(version.source_id)
            event(
                "capture" if version.number == 1 else "modification",
                version.seen_at,
                f"Version {version.number} of {record.platform}:{record.platform_id}; "
                f"SHA-256 of the version: {version.sha256}; of its JSON as received: {version.raw_sha256}"
                + (f"; received in the response with SHA-256 {source[0].sha256}" if source else ""),
                objects,
            )
        if record.deleted_on_platform_at:
            event(
                "deletion",
                record.deleted_on_platform_at,
                "Deleted on the platform; the record is kept in the archive",
                [("local", ref)],
            )
        if record.removed_at:
            event(
                "deletion",
                record.removed_at,
                f"Removed from the account by the municipality; ground: {record.removal_ground}"
                + (f"; {record.removal_reason}" if record.removal_reason else ""),
                [("local", ref)],
                agent=municipality,
            )
        if record.purged_at:
            event(
                "deletion",
                record.purged_at,
                "Content purged (never stored); metadata and hashes are kept",
                [("local", ref)],
                agent=municipality,
            )
    for file in contents.data:
        if file.path.startswith(f"{REP}/data/records/") or file.path.startswith(f"{REP}/data/media/"):
            record_pk = file.path[len(f"{REP}/data/") :].split("/")[1]
            file_object(file.path, within=f"record-{record_pk}")
    for record_pk, path in contents.renderings.items():
        file_object(path, within=f"record-{record_pk}")
        event(
            "creation",
            made_at,
            "A PDF rendering of the thread, printed from its records in the package",
            [("filepath", path), ("local", f"record-{record_pk}")],
        )
    event(
        "fixity check",
        made_at,
        f"The account's hash chain and every version hash recomputed: {chain.links} links, "
        f"{chain.versions} versions, {chain.records} records verify; the SHA-256 of every file "
        f"of the package is in its METS file section",
        [],
    )
    for event_id, event_type, at, detail, objects, outcome, agent in events:
        element = _sub(root, PREMIS_NS, "event")
        identifier(element, "event", ("local", event_id))
        _sub(element, PREMIS_NS, "eventType", event_type)
        _sub(element, PREMIS_NS, "eventDateTime", _iso(at))
        _sub(_sub(element, PREMIS_NS, "eventDetailInformation"), PREMIS_NS, "eventDetail", detail)
        _sub(_sub(element, PREMIS_NS, "eventOutcomeInformation"), PREMIS_NS, "eventOutcome", outcome)
        identifier(element, "linkingAgent", agent)
        for value in objects:
            identifier(element, "linkingObject", value)
    for agent_id, name, agent_type in (
        (software, f"{SOFTWARE} {SOFTWARE_VERSION}", "software"),
        (municipality, settings.MUNICIPALITY_NAME, "organization"),
    ):
        element = _sub(root, PREMIS_NS, "agent")
        identifier(element, "agent", agent_id)
        _sub(element, PREMIS_NS, "agentName", name)
        _sub(element, PREMIS_NS, "agentType", agent_type)
    return root


# --- validation --------------------------------------------------------------------------------


def _mets_files(mets_path: Path) -> list[tuple[Path, int, str]]:
    tree = etree.parse(str(mets_path))
    base = mets_path.parent
    entries = []
    for element in tree.iter(_q(METS_NS, "file"), _q(METS_NS, "mdRef")):
        href = (
            element.find(_q(METS_NS, "FLocat")).get(_q(XLINK_NS, "href"))
            if element.tag == _q(METS_NS, "file")
            else element.get(_q(XLINK_NS, "href"))
        )
        entries.append((base / href, int(element.get("SIZE")), element.get("CHECKSUM")))
    return entries


def _manifest_problems(root: Path) -> list[str]:
    """Every file is named by a METS file section with its size and SHA-256, and only those."""
    problems, listed = [], {root / "METS.xml"}
    mets_files = [root / "METS.xml"]
    while mets_files:
        mets_path = mets_files.pop()
        try:
            entries = _mets_files(mets_path)
        except (etree.XMLSyntaxError, OSError, AttributeError, TypeError, ValueError) as error:
            problems.append(f"{mets_path.relative_to(root)}: {error}")
            continue
        for path, size, checksum in entries:
            listed.add(path)
            if not path.is_file():
                problems.append(f"{path.relative_to(root)} is missing")
                continue
            data = path.read_bytes()
            if len(data) != size or hashlib.sha256(data).hexdigest() != checksum:
                problems.append(f"{path.relative_to(root)} does not match its checksum")
            if path.name == "METS.xml":
                mets_files.append(path)
    for path in root.rglob("*"):
        if path.is_file() and path not in listed:
            problems.append(f"{path.relative_to(root)} is in no METS file section")
    return problems


@contextmanager
def bundled_vocabularies():
    """eark-validator reads four CSIP vocabularies from the web when first imported; read its own
    copies instead, so that validation works without a network."""
    import importlib.util
    import urllib.request

    spec = importlib.util.find_spec("eark_validator")
    folder = Path(spec.origin).parent / "ipxml" / "resources" / "vocabs"
    original = urllib.request.urlopen

    def urlopen(url, *args, **kwargs):
        name = str(url).rsplit("/", 1)[-1]
        if (folder / name).is_file():
            return (folder / name).open("rb")
        return original(url, *args, **kwargs)

    urllib.request.urlopen = urlopen
    try:
        yield
    finally:
        urllib.request.urlopen = original


# eark-validator 1.1.3 checks SIP14 ("the archival creator agent's note is an IDENTIFICATIONCODE",
# which E-ARK SIP 2.1 asks of the ARCHIVIST agent's csip:NOTETYPE) on every ROLE="CREATOR" agent's
# note, as an attribute without namespace. CSIP15/CSIP16 require that very agent, the creating
# software, to have a note with csip:NOTETYPE="SOFTWARE VERSION", and the METS schema allows no
# attribute without namespace on a note: no package can pass both, so that one finding is not held
# against a package.
VALIDATOR_DEFECTS = {"SIP14"}


def eark_problems(root: Path) -> list[str]:
    """The errors the E-ARK validator (eark-validator) finds in the package and its representation."""
    with bundled_vocabularies():
        from eark_validator.mets import MetsValidator
        from eark_validator.model.validation_report import Severity
        from eark_validator.packages import PackageValidator
        from eark_validator.specifications.specification import SpecificationVersion

    report = PackageValidator(root, SpecificationVersion.V2_1_0).validation_report
    problems = [
        f"{message.rule_id}: {message.message}"
        for message in report.structure.messages
        if message.severity == Severity.ERROR
    ]
    if report.metadata is not None:
        for results in (report.metadata.schema_results, report.metadata.schematron_results):
            problems += [
                f"{message.rule_id}: {message.message}"
                for message in results.messages
                if message.severity == Severity.ERROR and message.rule_id not in VALIDATOR_DEFECTS
            ]
    for rep_mets in sorted((root / "representations").glob("*/METS.xml")):
        validator = MetsValidator(str(rep_mets.parent))
        validator.validate_mets("METS.xml")
        problems += [f"{message.rule_id}: {message.message}" for message in validator.validation_errors]
    return problems


def earchive_package_validate(root: Path) -> list[str]:
    """What is wrong with the package at `root`; empty when it may be offered."""
    import importlib.util

    problems = _manifest_problems(root)
    if not problems and importlib.util.find_spec("eark_validator") is not None:
        problems = eark_problems(root)
    return problems
