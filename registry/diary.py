"""The diary (diarium): cases with diary numbers, their documents, the samlingsakt (N6, N15, N16).

Writes only. Every function takes the acting person first (None for the system), runs in
one transaction and writes a `DiaryEvent` in it. Diary numbers come from a counter row per
series and year locked with SELECT ... FOR UPDATE, so concurrent registrations wait for
each other and a failed one gives its number back: numbers are gapless and, by the
database's unique constraint, never given twice.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import Department
from archive.models import Record, RecordKind

from .models import (
    DiaryCase,
    DiaryDocument,
    DiaryEvent,
    DiarySeriesCounter,
    RegistrationDecision,
    RegistrationRequest,
)
from .permissions import can_keep_diary


class DiaryError(Exception):
    """A registration that the diary's rules refuse; the message is shown to the registrar."""


def _check_keeper_strict(actor, department: Department) -> None:
    """A registrar's own act: a person is required."""
    if actor is None or not can_keep_diary(actor, department):
        raise PermissionDenied


def _check_keeper(actor, department: Department) -> None:
    """The acting person keeps this department's diary (None is the system's own scheduled work)."""
    if actor is not None and not can_keep_diary(actor, department):
        raise PermissionDenied


def local_year(at: datetime | None = None) -> int:
    return timezone.localtime(at or timezone.now()).year


def _record_ref(record: Record) -> str:
    return f"{record.platform}:{record.platform_id}"


def _lock_counter(*, series_code: str, year: int) -> DiarySeriesCounter:
    """Lock the series' counter row; the caller's transaction holds the lock until commit."""
    DiarySeriesCounter.objects.bulk_create(
        [DiarySeriesCounter(series_code=series_code, year=year)], ignore_conflicts=True
    )
    return DiarySeriesCounter.objects.select_for_update().get(series_code=series_code, year=year)


def _take_number(counter: DiarySeriesCounter) -> int:
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def thread_root(record: Record) -> Record:
    """The post a record belongs to (the record itself when it is the post or an orphan)."""
    if record.thread_id and record.thread_id != record.pk:
        return record.thread
    return record


def thread_records(root: Record):
    """The post and every comment and reply of its thread, in the order they were published."""
    return Record.objects.filter(pk=root.pk) | Record.objects.filter(thread_id=root.pk)


def default_case_title(record: Record) -> str:
    root = thread_root(record)
    text = " ".join((root.text or "").split())
    if not text:
        return f"{root.get_kind_display()} {root.platform_id}"
    return Truncator(text).chars(120)


def _add_documents(*, actor, case: DiaryCase, records, at: datetime) -> list[DiaryDocument]:
    """Add records as documents of a case with running sub-numbers; the case row is locked."""
    locked = DiaryCase.objects.select_for_update().get(pk=case.pk)
    already = set(locked.documents.filter(kind=DiaryDocument.Kind.RECORD).values_list("record_id", flat=True))
    added = []
    for record in records:
        if record.pk in already:
            continue
        locked.last_document_number += 1
        added.append(
            DiaryDocument.objects.create(
                case=locked,
                number=locked.last_document_number,
                kind=DiaryDocument.Kind.RECORD,
                record=record,
                description=f"{record.get_kind_display()} {record.author_name or record.author_handle}".strip(),
                registered_by=actor,
                registered_at=at,
            )
        )
        already.add(record.pk)
    locked.save(update_fields=["last_document_number"])
    case.last_document_number = locked.last_document_number
    return added


def _add_snapshot(*, actor, case: DiaryCase, root: Record, at: datetime) -> DiaryDocument:
    locked = DiaryCase.objects.select_for_update().get(pk=case.pk)
    locked.last_document_number += 1
    locked.save(update_fields=["last_document_number"])
    case.last_document_number = locked.last_document_number
    document = DiaryDocument.objects.create(
        case=locked,
        number=locked.last_document_number,
        kind=DiaryDocument.Kind.SNAPSHOT,
        record=root,
        description=f"Skärmdump av tråden {root.platform_id}",
        snapshot_state=DiaryDocument.SnapshotState.PENDING,
        registered_by=actor,
        registered_at=at,
    )
    document_id = document.pk
    transaction.on_commit(lambda: _queue_snapshot(document_id))
    return document


def _queue_snapshot(document_id: int) -> None:
    from .tasks import diary_snapshot_render

    diary_snapshot_render.delay(document_id)


@transaction.atomic
def registration_request(*, record: Record, reason: str, requested_by=None, note: str = ""):
    """Send a thread to the registrar's queue (N14, N15); one open request per record and reason."""
    existing = RegistrationRequest.objects.filter(
        record=record, reason=reason, handled_at__isnull=True
    ).first()
    if existing:
        return existing
    return RegistrationRequest.objects.create(
        record=record, reason=reason, requested_by=requested_by, note=note
    )


def _close_request(*, actor, request: RegistrationRequest, outcome: str, case, note: str, at) -> None:
    RegistrationRequest.objects.filter(pk=request.pk).update(handled_at=at, handled_by=actor)
    request.handled_at, request.handled_by = at, actor
    RegistrationDecision.objects.create(
        request=request, outcome=outcome, case=case, note=note, decided_by=actor, decided_at=at
    )


def _lock_open_request(request: RegistrationRequest) -> RegistrationRequest:
    locked = RegistrationRequest.objects.select_for_update().select_related("record").get(pk=request.pk)
    if locked.handled_at is not None:
        raise DiaryError(_("The request has already been handled."))
    return locked


def _file_thread(
    *, actor, case: DiaryCase, root: Record, request, snapshot: bool, outcome, action, at, detail: str = ""
) -> list[DiaryDocument]:
    """Every record of the thread as a document of the case (and a snapshot), the request that
    asked for it closed, the event logged (by default with the number of documents added), the
    records classified anew."""
    documents = _add_documents(
        actor=actor, case=case, records=thread_records(root).order_by("published_at", "pk"), at=at
    )
    if snapshot:
        documents.append(_add_snapshot(actor=actor, case=case, root=root, at=at))
    if request is not None:
        _close_request(actor=actor, request=request, outcome=outcome, case=case, note="", at=at)
    DiaryEvent.objects.create(
        action=action,
        actor=actor,
        department=case.department,
        case=case,
        record=root,
        record_ref=_record_ref(root),
        detail=detail or f"{len(documents)}",
    )
    _reclassify(case)
    return documents


@transaction.atomic
def diary_case_register(
    *,
    actor,
    record: Record,
    title: str,
    request: RegistrationRequest | None = None,
    snapshot: bool = True,
    at: datetime | None = None,
) -> DiaryCase:
    """Register the thread of `record` as a new case (N15): a diary number, every record of
    the thread as a document under it, and a snapshot of the thread as seen."""
    at = at or timezone.now()
    _check_keeper_strict(actor, record.department)
    if request is not None:
        request = _lock_open_request(request)
    root = thread_root(record)
    if thread_registered_case(root) is not None:
        raise DiaryError(_("The thread is already registered; attach it to its case instead."))
    department = root.department
    year = local_year(at)
    number = _take_number(_lock_counter(series_code=department.series_code, year=year))
    case = DiaryCase.objects.create(
        department=department,
        series_code=department.series_code,
        year=year,
        number=number,
        title=title.strip() or default_case_title(root),
        kind=DiaryCase.Kind.CASE,
        thread=root,
        registered_by=actor,
        registered_at=at,
    )
    _file_thread(
        actor=actor,
        case=case,
        root=root,
        request=request,
        snapshot=snapshot,
        outcome=RegistrationDecision.Outcome.REGISTERED,
        action=DiaryEvent.Action.CASE_REGISTERED,
        detail=case.diary_number,
        at=at,
    )
    return case


@transaction.atomic
def diary_case_register_numbered(
    *,
    actor,
    record: Record,
    series_code: str,
    year: int,
    number: int,
    title: str = "",
    at: datetime | None = None,
) -> DiaryCase:
    """Register the thread of `record` under a diary number given outside smgov (the
    municipality's case-management system): the same case and documents as a registration here,
    without a snapshot, which the case-management system keeps. smgov's own next number in the
    series comes after the highest number given to it."""
    at = at or timezone.now()
    _check_keeper_strict(actor, record.department)
    root = thread_root(record)
    department = root.department
    if series_code != department.series_code:
        raise DiaryError(
            _("The diary number's series is not the thread's department's (%(series)s).")
            % {"series": department.series_code}
        )
    existing = thread_registered_case(root)
    if existing is not None:
        raise DiaryError(
            _("The thread is already registered in %(number)s.") % {"number": existing.diary_number}
        )
    counter = _lock_counter(series_code=series_code, year=year)
    taken = DiaryCase.objects.filter(series_code=series_code, year=year, number=number).first()
    if taken is not None:
        raise DiaryError(
            _("The diary number %(number)s is already used (%(title)s).")
            % {"number": taken.diary_number, "title": taken.title}
        )
    if number > counter.last_number:
        counter.last_number = number
        counter.save(update_fields=["last_number"])
    case = DiaryCase.objects.create(
        department=department,
        series_code=series_code,
        year=year,
        number=number,
        title=title.strip() or default_case_title(root),
        kind=DiaryCase.Kind.CASE,
        thread=root,
        registered_by=actor,
        registered_at=at,
    )
    _file_thread(
        actor=actor,
        case=case,
        root=root,
        request=None,
        snapshot=False,
        outcome=RegistrationDecision.Outcome.REGISTERED,
        action=DiaryEvent.Action.CASE_REGISTERED,
        detail=f"{case.diary_number} (given in the case-management system)",
        at=at,
    )
    for request in RegistrationRequest.objects.filter(
        record__in=thread_records(root), handled_at__isnull=True
    ).select_for_update():
        _close_request(
            actor=actor,
            request=request,
            outcome=RegistrationDecision.Outcome.REGISTERED,
            case=case,
            note="",
            at=at,
        )
    return case


@transaction.atomic
def diary_case_attach(
    *,
    actor,
    record: Record,
    case: DiaryCase,
    request: RegistrationRequest | None = None,
    snapshot: bool = True,
    at: datetime | None = None,
) -> list[DiaryDocument]:
    """Attach the thread of `record` to an existing case of the same department."""
    at = at or timezone.now()
    _check_keeper_strict(actor, record.department)
    _check_keeper_strict(actor, case.department)
    if request is not None:
        request = _lock_open_request(request)
    root = thread_root(record)
    if case.is_collective:
        raise DiaryError(_("Threads are registered in a case, not in the samlingsakt."))
    if case.department_id != root.department_id:
        raise DiaryError(_("The case belongs to another department."))
    existing = thread_registered_case(root)
    if existing is not None and existing.pk != case.pk:
        raise DiaryError(
            _("The thread is already registered in %(number)s.") % {"number": existing.diary_number}
        )
    return _file_thread(
        actor=actor,
        case=case,
        root=root,
        request=request,
        snapshot=snapshot,
        outcome=RegistrationDecision.Outcome.ATTACHED,
        action=DiaryEvent.Action.DOCUMENTS_ADDED,
        at=at,
    )


@transaction.atomic
def registration_not_needed(
    *, actor, request: RegistrationRequest, note: str, at: datetime | None = None
) -> RegistrationDecision:
    """F12/N17: the registrar judges the thread of minor importance; it is not registered
    and its records fall in the "minor importance" document class."""
    at = at or timezone.now()
    _check_keeper_strict(actor, request.record.department)
    request = _lock_open_request(request)
    if not note.strip():
        raise DiaryError(_("Say why no registration is needed."))
    _close_request(
        actor=actor,
        request=request,
        outcome=RegistrationDecision.Outcome.NOT_NEEDED,
        case=None,
        note=note.strip(),
        at=at,
    )
    record = request.record
    DiaryEvent.objects.create(
        action=DiaryEvent.Action.NOT_NEEDED,
        actor=actor,
        department=record.department,
        record=record,
        record_ref=_record_ref(record),
        detail=note.strip(),
    )
    from .retention import retention_assign

    for member in thread_records(thread_root(record)):
        retention_assign(record=member)
    return request.decision


def thread_registered_case(record: Record) -> DiaryCase | None:
    """The case a record's thread is registered in, if any (for the harvest: a new comment on
    a registered thread is added to that case with `diary_add_new_thread_records`)."""
    root = thread_root(record)
    case = DiaryCase.objects.filter(thread=root).first()
    if case is not None:
        return case
    document = (
        DiaryDocument.objects.filter(
            record=root, kind=DiaryDocument.Kind.RECORD, case__kind=DiaryCase.Kind.CASE
        )
        .select_related("case")
        .order_by("registered_at", "pk")
        .first()
    )
    return document.case if document else None


@transaction.atomic
def diary_add_new_thread_records(*, actor=None, case: DiaryCase, at: datetime | None = None) -> list:
    """Add the records of the case's threads that arrived after registration as new documents
    of the same case: all documents of a thread share its diary number (N15)."""
    at = at or timezone.now()
    documents = case.documents.filter(kind=DiaryDocument.Kind.RECORD)
    roots = set(documents.values_list("record__thread_id", flat=True))
    roots |= set(documents.values_list("record_id", flat=True))
    if case.thread_id:
        roots.add(case.thread_id)
    roots.discard(None)
    records = (Record.objects.filter(pk__in=roots) | Record.objects.filter(thread_id__in=roots)).order_by(
        "published_at", "pk"
    )
    added = _add_documents(actor=actor, case=case, records=records, at=at)
    if added:
        DiaryEvent.objects.create(
            action=DiaryEvent.Action.DOCUMENTS_ADDED,
            actor=actor,
            department=case.department,
            case=case,
            detail=f"{len(added)}",
        )
        _reclassify(case)
    return added


def record_registered(record: Record) -> None:
    """For the harvest, after ingesting a record: if its thread is registered, add it to the case."""
    case = thread_registered_case(record)
    if case is not None:
        diary_add_new_thread_records(case=case)


@transaction.atomic
def samlingsakt_get_or_create(*, actor=None, department: Department, year: int) -> DiaryCase:
    """The department's samlingsakt for a year (N6/N16), created on first need.

    The counter row is locked before looking, so two first needs at once create one."""
    _check_keeper(actor, department)
    existing = DiaryCase.objects.filter(
        department=department, year=year, kind=DiaryCase.Kind.COLLECTIVE
    ).first()
    if existing is not None:
        return existing
    counter = _lock_counter(series_code=department.series_code, year=year)
    existing = DiaryCase.objects.filter(
        department=department, year=year, kind=DiaryCase.Kind.COLLECTIVE
    ).first()
    if existing is not None:  # created by someone else while we waited for the lock
        return existing
    number = _take_number(counter)
    case = DiaryCase.objects.create(
        department=department,
        series_code=department.series_code,
        year=year,
        number=number,
        title=f"Samlingsakt sociala medier {year}",
        kind=DiaryCase.Kind.COLLECTIVE,
        registered_by=actor,
        registered_at=timezone.now(),
    )
    DiaryEvent.objects.create(
        action=DiaryEvent.Action.COLLECTIVE_CREATED,
        actor=actor,
        department=department,
        case=case,
        detail=case.diary_number,
    )
    return case


def samlingsakt_create_for_year(*, year: int | None = None) -> list[DiaryCase]:
    """The yearly task: a samlingsakt for every department that has accounts."""
    year = year or local_year()
    departments = Department.objects.filter(service_accounts__isnull=False).distinct()
    return [samlingsakt_get_or_create(department=department, year=year) for department in departments]


@transaction.atomic
def snapshot_store(*, document: DiaryDocument, pdf: bytes, sha256: str, filename: str) -> None:
    """Keep a rendered snapshot with its hash."""
    from django.core.files.base import ContentFile

    locked = DiaryDocument.objects.select_for_update().get(pk=document.pk)
    if locked.snapshot_state == DiaryDocument.SnapshotState.DONE:
        return
    locked.file.save(filename, ContentFile(pdf), save=False)
    locked.sha256 = sha256
    locked.snapshot_state = DiaryDocument.SnapshotState.DONE
    locked.snapshot_error = ""
    locked.save(update_fields=["file", "sha256", "snapshot_state", "snapshot_error"])
    DiaryEvent.objects.create(
        action=DiaryEvent.Action.SNAPSHOT_MADE,
        department=locked.case.department,
        case=locked.case,
        detail=f"{locked.document_number} sha256={sha256}",
    )


@transaction.atomic
def snapshot_failed(*, document: DiaryDocument, error: str) -> None:
    DiaryDocument.objects.filter(pk=document.pk).exclude(
        snapshot_state=DiaryDocument.SnapshotState.DONE
    ).update(snapshot_state=DiaryDocument.SnapshotState.FAILED, snapshot_error=error[:2000])


def _reclassify(case: DiaryCase) -> None:
    """Registered records fall in the "registered" document class (kept, never disposed of)."""
    from .retention import retention_assign

    for document in case.documents.filter(kind=DiaryDocument.Kind.RECORD).select_related("record"):
        retention_assign(record=document.record)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The start of a year and of the next, in the municipality's time zone."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(date(year, 1, 1), datetime.min.time()), tz)
    end = timezone.make_aware(datetime.combine(date(year + 1, 1, 1), datetime.min.time()), tz)
    return start, end


__all__ = [
    "DiaryError",
    "RecordKind",
    "diary_add_new_thread_records",
    "diary_case_attach",
    "diary_case_register",
    "diary_case_register_numbered",
    "record_registered",
    "registration_not_needed",
    "samlingsakt_get_or_create",
    "samlingsakt_create_for_year",
    "thread_registered_case",
]
