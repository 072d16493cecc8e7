"""The diary of a department and year for the municipality's case-management system.

Two files of the same content:

- XML following FGS Ärendehantering 2.0, which is E-ARK CITS ERMS 2.x (namespace
  https://DILCIS.eu/XML/ERMS, schema `registry/erms_schema/ERMS.xsd`): each case and the
  samlingsakt is an `aggregation` (caseFile) whose `objectId` is its diary number; each document is
  a `record` whose `objectId` is its document number; the samlingsakt's records are the posts the
  department originated that year, and its cross-references to the cases with their own diary
  number are `relation` elements (reference / referenced_by).
- CSV with Swedish headings and semicolons, one row per document, like the other CSV documents.

An export is made at once when the diary of the year is small, else by a worker; it is offered
for download only when its XML validates against the ERMS schema.
"""

import csv
import hashlib
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from lxml import etree

from accounts.models import Department
from archive.models import Record

from . import selectors
from .models import DiaryCase, DiaryDocument, DiaryEvent, DiaryExport
from .permissions import can_keep_diary

ERMS_NS = "https://DILCIS.eu/XML/ERMS"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ERMS_SCHEMA = Path(__file__).resolve().parent / "erms_schema" / "ERMS.xsd"
SOFTWARE = "smgov"
# Up to this many documents an export is made while the registrar waits; more go to a worker.
DIRECT_LIMIT = 2000
# Characters XML 1.0 cannot hold; platform text may contain them.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class DiaryExportError(Exception):
    """An export that cannot be made; the message is shown to the registrar."""


# --- reads -------------------------------------------------------------------------------------


@dataclass
class CaseEntry:
    case: DiaryCase
    documents: list[DiaryDocument] = field(default_factory=list)
    posts: list[Record] = field(default_factory=list)  # the samlingsakt's: the year's own posts
    references: list[DiaryCase] = field(default_factory=list)  # samlingsakt → cases
    referenced_by: DiaryCase | None = None  # case → the samlingsakt


@dataclass
class DiaryYear:
    department: Department
    year: int
    entries: list[CaseEntry]

    @property
    def document_count(self) -> int:
        return sum(len(entry.documents) + len(entry.posts) for entry in self.entries)


def diary_year(*, department: Department, year: int) -> DiaryYear:
    """The department's cases of the year (numbered in the year), their documents, the samlingsakt
    with the year's posts and its cross-references."""
    cases = list(
        DiaryCase.objects.filter(department=department, year=year)
        .select_related("registered_by", "thread")
        .order_by("number")
    )
    documents: dict[int, list[DiaryDocument]] = {case.pk: [] for case in cases}
    for document in (
        DiaryDocument.objects.filter(case__in=cases).select_related("record").order_by("case_id", "number")
    ):
        documents[document.case_id].append(document)
    collective = next((case for case in cases if case.is_collective), None)
    own_cases = [case for case in cases if not case.is_collective]
    entries = []
    for case in cases:
        entry = CaseEntry(case=case, documents=documents[case.pk])
        if case.is_collective:
            entry.posts = list(selectors.samlingsakt_posts(department=department, year=year))
            entry.references = own_cases
        else:
            entry.referenced_by = collective
        entries.append(entry)
    return DiaryYear(department=department, year=year, entries=entries)


def diary_year_size(*, department: Department, year: int) -> int:
    return DiaryDocument.objects.filter(case__department=department, case__year=year).count()


# --- the files ---------------------------------------------------------------------------------


def _clean(value) -> str:
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def _time(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _sub(parent, tag: str, text=None, **attributes):
    element = etree.SubElement(parent, f"{{{ERMS_NS}}}{tag}")
    for key, value in attributes.items():
        element.set(key, _clean(value))
    if text is not None:
        element.text = _clean(text)
    return element


def _agent(parent, agent_type: str, name: str, *, organisation: str = "", role: str = ""):
    agent = _sub(parent, "agent", agentType=agent_type)
    _sub(agent, "name", name)
    if organisation:
        _sub(agent, "organisation", organisation)
    if role:
        _sub(agent, "role", role)
    return agent


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _author(record: Record) -> str:
    return record.author_name or record.author_handle


def _ref(record: Record) -> str:
    return f"{record.platform}:{record.platform_id}"


def _dates(parent, *dates: tuple[str, datetime | None]) -> None:
    present = [(kind, value) for kind, value in dates if value is not None]
    if present:
        element = _sub(parent, "dates")
        for kind, value in present:
            _sub(element, "date", _time(value), dateType=kind)


def _record_element(
    parent,
    record: Record,
    *,
    system_id: str,
    object_id: str,
    title: str,
    number=None,
    registered_at=None,
    registered_by=None,
    references=(),
    kind: str | None = None,
    appendix: tuple[str, str] | None = None,
):
    element = _sub(parent, "record", systemIdentifier=system_id, recordType=kind or record.kind)
    _sub(element, "objectId", object_id)
    if record is not None:
        _sub(element, "extraId", _ref(record), extraIdType="platform_id")
    _sub(element, "title", title)
    if number is not None:
        _sub(element, "runningNumber", str(number))
    for reference in references:
        _sub(element, "relation", reference, relationType="reference")
    if kind == "snapshot":
        _sub(element, "direction", directionDefinition="internal_memo_without_follow-up")
    elif record is not None:
        _sub(element, "direction", directionDefinition="outgoing" if record.is_own else "incoming")
    agents = []
    if kind == "snapshot" or (record is not None and record.is_own):
        agents.append(("creator", settings.MUNICIPALITY_NAME))
    elif record is not None and _author(record):
        agents.append(("sender", _author(record)))
    if registered_by is not None:
        agents.append(("responsible_person", _person(registered_by)))
    if agents:
        element_agents = _sub(element, "agents")
        for agent_type, name in agents:
            _agent(element_agents, agent_type, name)
    if kind != "snapshot" and record is not None and record.text:
        _sub(element, "description", record.text)
    published = None if record is None or kind == "snapshot" else record.published_at
    _dates(
        element,
        ("created" if record is not None and record.is_own else "received", published),
        ("captured", registered_at),
    )
    if record is not None and record.permalink and kind != "snapshot":
        _sub(_sub(element, "notes"), "note", record.permalink, noteType="permalink")
    if appendix is not None:
        additional = _sub(element, "additionalInformation")
        _sub(additional, "appendix", name=appendix[0], path=appendix[1], fileFormat="application/pdf")
    return element


def erms_document(diary: DiaryYear, *, identifier: str, made_at: datetime):
    """The diary of the year as an ERMS document (FGS Ärendehantering 2.0)."""
    department = diary.department
    root = etree.Element(f"{{{ERMS_NS}}}erms", nsmap={None: ERMS_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{ERMS_NS} ERMS.xsd")
    control = _sub(root, "control")
    _sub(control, "identification", identifier, identificationType="export_identifier")
    _sub(
        control, "identification", f"{department.series_code} {diary.year}", identificationType="diary_series"
    )
    _dates(control, ("created", made_at))
    maintenance = _sub(control, "maintenanceInformation")
    _sub(maintenance, "maintenanceStatus", value="new")
    agency = _sub(maintenance, "maintenanceAgency")
    _sub(agency, "agencyName", f"{settings.MUNICIPALITY_NAME}, {department.name}")
    event = _sub(
        _sub(_sub(maintenance, "maintenanceHistory"), "maintenanceEvent"), "eventType", value="created"
    )
    _sub(event.getparent(), "eventDateTime", _time(made_at))
    _agent(event.getparent(), "creator", SOFTWARE, organisation=settings.MUNICIPALITY_NAME)
    aggregations = _sub(root, "aggregations")
    for entry in diary.entries:
        case = entry.case
        aggregation = _sub(
            aggregations, "aggregation", systemIdentifier=f"smgov-case-{case.pk}", aggregationType="caseFile"
        )
        _sub(aggregation, "objectId", case.diary_number)
        _sub(aggregation, "levelName", case.get_kind_display())
        _sub(aggregation, "title", case.title)
        _sub(aggregation, "status", value="closed" if case.status == DiaryCase.Status.CLOSED else "open")
        for reference in entry.references:
            _sub(aggregation, "relation", reference.diary_number, relationType="reference")
        if entry.referenced_by is not None:
            _sub(aggregation, "relation", entry.referenced_by.diary_number, relationType="referenced_by")
        agents = _sub(aggregation, "agents")
        _agent(agents, "creator", department.name, organisation=settings.MUNICIPALITY_NAME)
        if case.registered_by is not None:
            _agent(agents, "responsible_person", _person(case.registered_by))
        _dates(aggregation, ("created", case.registered_at))
        for document in entry.documents:
            snapshot = document.kind == DiaryDocument.Kind.SNAPSHOT
            _record_element(
                aggregation,
                document.record,
                system_id=f"smgov-document-{document.pk}",
                object_id=document.document_number,
                title=document.description or document.document_number,
                number=document.number,
                registered_at=document.registered_at,
                registered_by=document.registered_by,
                kind="snapshot" if snapshot else None,
                appendix=(
                    (
                        Path(document.file.name).name,
                        settings.SITE_URL + reverse("registry:diary_document_file", args=[document.pk]),
                    )
                    if snapshot and document.file
                    else None
                ),
            )
        for post in entry.posts:
            _record_element(
                aggregation,
                post,
                system_id=f"smgov-record-{post.pk}",
                object_id=_ref(post),
                title=f"{post.get_kind_display()} {post.published_at:%Y-%m-%d}",
                references=[document.case.diary_number for document in getattr(post, "case_documents", [])],
            )
    return root


def erms_xml(diary: DiaryYear, *, identifier: str, made_at: datetime) -> bytes:
    return etree.tostring(
        erms_document(diary, identifier=identifier, made_at=made_at),
        xml_declaration=True,
        encoding="UTF-8",
        pretty_print=True,
    )


def erms_problems(xml: bytes) -> list[str]:
    """What the ERMS schema finds wrong with the XML; empty when it validates."""
    schema = etree.XMLSchema(etree.parse(str(ERMS_SCHEMA)))
    document = etree.fromstring(xml)
    if schema.validate(document):
        return []
    return [f"{error.line}: {error.message}" for error in schema.error_log]


def _inert(value) -> str:
    """A value made inert for spreadsheet programs, which would run text starting with = + - @ as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_columns():
    return [
        _("Diary number"),
        _("Kind of case"),
        _("Case title"),
        _("Case status"),
        _("Case registered"),
        _("Document number"),
        _("Kind of document"),
        _("Description"),
        _("Direction"),
        _("Sender"),
        _("Drawn up or received"),
        _("Document registered"),
        _("Platform and id"),
        _("Link"),
        _("Cross-reference"),
    ]


def _direction(record: Record | None, snapshot: bool = False) -> str:
    if snapshot or record is None:
        return _("Drawn up")
    return _("Drawn up") if record.is_own else _("Received")


def diary_csv(diary: DiaryYear) -> bytes:
    """One row per document; a case without documents has one row of its own."""
    from smgov.lib.documents import document_time

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(_csv_columns())
    for entry in diary.entries:
        case = entry.case
        head = [
            case.diary_number,
            case.get_kind_display(),
            case.title,
            case.get_status_display(),
            document_time(case.registered_at),
        ]
        cross = entry.referenced_by.diary_number if entry.referenced_by else ""
        rows = []
        for document in entry.documents:
            record = document.record
            snapshot = document.kind == DiaryDocument.Kind.SNAPSHOT
            rows.append(
                [
                    document.document_number,
                    _("Snapshot") if snapshot else record.get_kind_display(),
                    document.description,
                    _direction(record, snapshot),
                    "" if snapshot else _author(record),
                    "" if snapshot else document_time(record.published_at),
                    document_time(document.registered_at),
                    _ref(record) if record is not None else "",
                    "" if snapshot or record is None else record.permalink,
                    cross,
                ]
            )
        for post in entry.posts:
            rows.append(
                [
                    "",
                    post.get_kind_display(),
                    " ".join((post.text or "").split())[:300],
                    _direction(post),
                    _author(post),
                    document_time(post.published_at),
                    "",
                    _ref(post),
                    post.permalink,
                    ", ".join(document.case.diary_number for document in getattr(post, "case_documents", [])),
                ]
            )
        for reference in entry.references:
            rows.append(
                ["", _("Cross-reference"), reference.title, "", "", "", "", "", "", reference.diary_number]
            )
        for row in rows or [[""] * 10]:
            writer.writerow([_inert(value) for value in head + row])
    # A byte order mark so spreadsheet programs read the Swedish letters right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- writes ------------------------------------------------------------------------------------


@transaction.atomic
def diary_export_create(
    *, actor, department: Department, year: int, at: datetime | None = None
) -> DiaryExport:
    """Order an export of the department's diary of the year. `actor` is None from the command line."""
    if actor is not None and not can_keep_diary(actor, department):
        raise PermissionDenied
    if not 1900 <= year <= timezone.localdate().year:
        raise DiaryExportError(_("Choose a year that has begun."))
    return DiaryExport.objects.create(
        department=department,
        year=year,
        identifier=f"uuid-{uuid.uuid4()}",
        created_by=actor,
        created_at=at or timezone.now(),
    )


def diary_export_order(*, actor, department: Department, year: int) -> DiaryExport:
    """Order an export and make it at once when the year's diary is small, else by a worker."""
    export = diary_export_create(actor=actor, department=department, year=year)
    if diary_year_size(department=department, year=year) <= DIRECT_LIMIT:
        return diary_export_build(export_id=export.pk)
    from .tasks import diary_export_make

    transaction.on_commit(lambda: diary_export_make.delay(export.pk))
    return export


def diary_export_build(*, export_id: int) -> DiaryExport:
    """Write the XML and the CSV, validate the XML against the ERMS schema and keep both."""
    export = DiaryExport.objects.select_related("department").get(pk=export_id)
    if export.status == DiaryExport.Status.DONE:
        return export
    made_at = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        diary = diary_year(department=export.department, year=export.year)
        xml = erms_xml(diary, identifier=export.identifier, made_at=made_at)
        csv_bytes = diary_csv(diary)
    problems = erms_problems(xml)
    if problems:
        DiaryExport.objects.filter(pk=export.pk).update(
            status=DiaryExport.Status.FAILED, error="; ".join(problems[:20])[:4000]
        )
        raise DiaryExportError(
            _("The export does not validate: %(problems)s") % {"problems": "; ".join(problems[:5])}
        )
    return _export_done(export=export, xml=xml, csv_bytes=csv_bytes, diary=diary, made_at=made_at)


@transaction.atomic
def _export_done(
    *, export: DiaryExport, xml: bytes, csv_bytes: bytes, diary: DiaryYear, made_at
) -> DiaryExport:
    name = f"diarium-{export.department.series_code}-{export.year}-{export.identifier[5:13]}"
    export.xml_file.save(f"{name}.xml", ContentFile(xml), save=False)
    export.csv_file.save(f"{name}.csv", ContentFile(csv_bytes), save=False)
    export.xml_sha256 = hashlib.sha256(xml).hexdigest()
    export.csv_sha256 = hashlib.sha256(csv_bytes).hexdigest()
    export.status = DiaryExport.Status.DONE
    export.error = ""
    export.finished_at = made_at
    export.summary = {
        "cases": sum(not entry.case.is_collective for entry in diary.entries),
        "samlingsakt": next((e.case.diary_number for e in diary.entries if e.case.is_collective), ""),
        "documents": diary.document_count,
    }
    export.save()
    DiaryEvent.objects.create(
        action=DiaryEvent.Action.DIARY_EXPORTED,
        actor=export.created_by,
        department=export.department,
        detail=f"{export.identifier}: {export.year}, {export.summary['cases']} cases, "
        f"{export.summary['documents']} documents",
    )
    return export
