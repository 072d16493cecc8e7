"""Retention and disposal (gallring) under the document management plan (F12, N17).

Every record gets a document class and, unless the class is permanent, a date after which
it may be disposed of: the end of the year it was drawn up or received plus the class's
years. Disposal is two steps: a dry run (`disposal_propose`, run nightly) lists what would
go, and a registrar's explicit approval (`disposal_approve`) disposes of it, checking each
record again. Never disposed of: records on legal hold, registered records (any diary
document), permanent classes, records with an open registration request, and records of a class
delivered to the e-archive that no delivered package holds as they are now. Each disposal is
written to the `DisposalLog`, which is kept.
"""

from collections import Counter
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department
from archive.models import Record
from archive.services import record_dispose

from .models import (
    DiaryDocument,
    DiaryEvent,
    DisposalBatch,
    DisposalCandidate,
    DisposalLog,
    DisposalRun,
    DocumentClass,
    EarchivePackage,
    EarchivePackageRecord,
    RecordClassification,
    RegistrationDecision,
    RegistrationRequest,
)
from .permissions import can_dispose, can_edit_document_classes


class DisposalError(Exception):
    """A disposal the rules refuse; the message is shown to the registrar."""


def _check_disposer(actor, department: Department, *, system_allowed: bool = False) -> None:
    """The acting person keeps this department's disposal; None is the nightly dry run."""
    if actor is None and system_allowed:
        return
    if actor is None or not can_dispose(actor, department):
        raise PermissionDenied


def _applies_to(record: Record) -> str:
    if DiaryDocument.objects.filter(record=record, kind=DiaryDocument.Kind.RECORD).exists():
        return DocumentClass.AppliesTo.REGISTERED
    if record.is_own:
        return DocumentClass.AppliesTo.OWN
    root_id = record.thread_id or record.pk
    judged_minor = RegistrationDecision.objects.filter(
        outcome=RegistrationDecision.Outcome.NOT_NEEDED
    ).filter(request__record__thread_id=root_id) | RegistrationDecision.objects.filter(
        outcome=RegistrationDecision.Outcome.NOT_NEEDED, request__record_id__in=[root_id, record.pk]
    )
    if judged_minor.exists():
        return DocumentClass.AppliesTo.MINOR
    return DocumentClass.AppliesTo.INCOMING


def retention_date(*, document_class: DocumentClass, published_at: datetime) -> date | None:
    """Counted from the end of the year the record was drawn up or received."""
    if document_class.permanent:
        return None
    year = timezone.localtime(published_at).year
    return date(year + document_class.retention_years, 12, 31)


@transaction.atomic
def retention_assign(*, record: Record, at: datetime | None = None) -> RecordClassification | None:
    """Give a record its document class and retention date; call again when its situation
    changes (registered, judged of minor importance). Without a class for it in the plan the
    record stays unclassified, and an unclassified record is never disposed of."""
    at = at or timezone.now()
    document_class = DocumentClass.objects.filter(applies_to=_applies_to(record)).first()
    if document_class is None:
        return None
    until = retention_date(document_class=document_class, published_at=record.published_at)
    classification, _ = RecordClassification.objects.update_or_create(
        record=record,
        defaults={"document_class": document_class, "retention_until": until, "assigned_at": at},
    )
    if record.retention_until != until:
        Record.objects.filter(pk=record.pk).update(retention_until=until)
        record.retention_until = until
    return classification


def retention_assign_missing(*, limit: int = 5000) -> int:
    """Classify records that have no class yet (the nightly task, before a dry run)."""
    pending = list(Record.objects.filter(classification__isnull=True).order_by("pk")[:limit])
    return sum(retention_assign(record=record) is not None for record in pending)


def disposable_records(*, department: Department, cutoff: date) -> QuerySet[Record]:
    """Records whose retention ended before `cutoff` and that nothing keeps."""
    registered = DiaryDocument.objects.filter(record=OuterRef("pk"))
    open_request = RegistrationRequest.objects.filter(record=OuterRef("pk"), handled_at__isnull=True)
    delivered = EarchivePackageRecord.objects.filter(
        record_id=OuterRef("pk"),
        content_sha256=OuterRef("content_sha256"),
        package__status=EarchivePackage.Status.DONE,
    )
    return (
        Record.objects.filter(
            department=department,
            legal_hold=False,
            classification__document_class__permanent=False,
            classification__retention_until__lt=cutoff,
        )
        .exclude(Exists(registered))
        .exclude(Exists(open_request))
        .exclude(Q(classification__document_class__deliver_to_earchive=True) & ~Exists(delivered))
        .select_related("classification__document_class")
    )


@transaction.atomic
def disposal_propose(
    *, actor=None, department: Department, cutoff: date | None = None
) -> DisposalBatch | None:
    """The dry run: what would be disposed of, counted per document class. Replaces any
    earlier proposal of the department that was not approved."""
    _check_disposer(actor, department, system_allowed=True)
    cutoff = cutoff or timezone.localdate()
    DisposalBatch.objects.filter(department=department, state=DisposalBatch.State.PROPOSED).update(
        state=DisposalBatch.State.SUPERSEDED
    )
    records = list(disposable_records(department=department, cutoff=cutoff).order_by("published_at", "pk"))
    if not records:
        return None
    counts = Counter(record.classification.document_class_id for record in records)
    classes = DocumentClass.objects.in_bulk(list(counts))
    batch = DisposalBatch.objects.create(
        department=department,
        cutoff=cutoff,
        summary={
            classes[pk].code: {"name": classes[pk].name, "count": count}
            for pk, count in sorted(counts.items())
        },
        created_at=timezone.now(),
    )
    DisposalCandidate.objects.bulk_create(
        DisposalCandidate(
            batch=batch,
            record=record,
            document_class=record.classification.document_class,
            retention_until=record.classification.retention_until,
        )
        for record in records
    )
    DiaryEvent.objects.create(
        action=DiaryEvent.Action.DISPOSAL_PROPOSED,
        actor=actor,
        department=department,
        detail=f"batch {batch.pk}: {len(records)}",
    )
    return batch


def disposal_propose_all(*, cutoff: date | None = None) -> list[DisposalBatch]:
    """The nightly task: classify what is new, then a dry run per department."""
    retention_assign_missing()
    batches = []
    for department in Department.objects.filter(records__isnull=False).distinct():
        batch = disposal_propose(department=department, cutoff=cutoff)
        if batch is not None:
            batches.append(batch)
    return batches


# --- the dry run a registrar asks for, made by a worker with its progress ----------------------------

CLASSIFY_CHUNK = 500


@transaction.atomic
def disposal_run_start(*, actor, department: Department, cutoff: date | None = None) -> DisposalRun:
    """Queue a dry run of the department for a worker; its page shows the progress, then the result."""
    _check_disposer(actor, department)
    run = DisposalRun.objects.create(
        department=department, requested_by=actor, cutoff=cutoff or timezone.localdate()
    )
    from .tasks import disposal_run

    transaction.on_commit(lambda: disposal_run.delay(run.pk))
    return run


def _run_progress(run_id: int, **fields) -> None:
    # Committed at once (outside the work), so the page that polls sees it.
    DisposalRun.objects.filter(pk=run_id).update(**fields)


def next_due(*, department: Department, cutoff: date) -> dict[int, tuple[date, int]]:
    """Per document class: the first date on or after ``cutoff`` on which records of the department
    fall due, and how many fall due then (records nothing keeps for ever)."""
    later = (
        Record.objects.filter(
            department=department,
            legal_hold=False,
            classification__document_class__permanent=False,
            classification__retention_until__gte=cutoff,
        )
        .exclude(Exists(DiaryDocument.objects.filter(record=OuterRef("pk"))))
        .values("classification__document_class")
    )
    firsts = {
        row["classification__document_class"]: row["first"]
        for row in later.annotate(first=Min("classification__retention_until")).order_by()
    }
    counts = {}
    for class_id, first in firsts.items():
        counts[class_id] = (
            first,
            later.filter(classification__document_class=class_id, classification__retention_until=first)
            .order_by()
            .aggregate(n=Count("pk"))["n"],
        )
    return counts


def disposal_run_execute(*, run_id: int) -> DisposalRun:
    """Make the dry run: classify the department's new records, propose what may be disposed of now,
    and find when the next records of each class fall due. Progress is written as it goes; a run
    delivered again after it finished is left as it is."""
    run = DisposalRun.objects.select_related("department", "requested_by").get(pk=run_id)
    if run.state == DisposalRun.State.DONE:
        return run
    _run_progress(run_id, state=DisposalRun.State.RUNNING, progress=1, error="")
    department = run.department
    try:
        pending = Record.objects.filter(department=department, classification__isnull=True)
        total = pending.count()
        done, last = 0, 0
        while chunk := list(pending.filter(pk__gt=last).order_by("pk")[:CLASSIFY_CHUNK]):
            for record in chunk:
                retention_assign(record=record)  # without a class in the plan it stays kept
            done, last = done + len(chunk), chunk[-1].pk
            _run_progress(run_id, progress=1 + int(69 * min(done, total) / max(total, 1)))
        batch = disposal_propose(actor=run.requested_by, department=department, cutoff=run.cutoff)
        _run_progress(run_id, progress=85, batch=batch)
        due = next_due(department=department, cutoff=run.cutoff)
        summary = batch.summary if batch else {}
        classes = [
            {
                "code": document_class.code,
                "name": document_class.name,
                "permanent": document_class.permanent,
                "count": summary.get(document_class.code, {}).get("count", 0),
                "next_due": due[document_class.pk][0].isoformat() if document_class.pk in due else None,
                "next_due_count": due[document_class.pk][1] if document_class.pk in due else 0,
            }
            for document_class in DocumentClass.objects.order_by("code")
        ]
        result = {"classes": classes, "total": sum(entry["count"] for entry in classes)}
    except PermissionDenied:
        _run_progress(
            run_id,
            state=DisposalRun.State.FAILED,
            error=_("The person who started the dry run may no longer dispose of this department's records."),
            finished_at=timezone.now(),
        )
        raise
    except Exception:
        _run_progress(
            run_id,
            state=DisposalRun.State.FAILED,
            error=_("The dry run stopped before it was done. Nothing was disposed of; start it again."),
            finished_at=timezone.now(),
        )
        raise
    _run_progress(
        run_id, state=DisposalRun.State.DONE, progress=100, result=result, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


@transaction.atomic
def disposal_approve(*, actor, batch: DisposalBatch, at: datetime | None = None) -> DisposalBatch:
    """Dispose of an approved dry run. Each candidate is checked again; what may no longer be
    disposed of (put on hold, registered, reclassified meanwhile) is skipped."""
    at = at or timezone.now()
    batch = DisposalBatch.objects.select_for_update().select_related("department").get(pk=batch.pk)
    _check_disposer(actor, batch.department)
    if batch.state != DisposalBatch.State.PROPOSED:
        raise DisposalError(_("Only a current proposal can be approved."))
    candidate_ids = list(batch.candidates.exclude(record=None).values_list("record_id", flat=True))
    records = list(
        disposable_records(department=batch.department, cutoff=batch.cutoff)
        .filter(pk__in=candidate_ids)
        .select_for_update(of=("self",))
        .prefetch_related("versions", "media_files")
    )
    for record in records:
        classification = record.classification
        DisposalLog.objects.create(
            batch=batch,
            platform=record.platform,
            platform_id=record.platform_id,
            record_pk=record.pk,
            account_id=record.account_id,
            department_id=record.department_id,
            kind=record.kind,
            is_own=record.is_own,
            published_at=record.published_at,
            document_class_code=classification.document_class.code,
            document_class_name=classification.document_class.name,
            retention_until=classification.retention_until,
            raw_sha256=record.raw_sha256,
            content_sha256=record.content_sha256,
            version_hashes=[[version.number, version.sha256] for version in record.versions.all()],
            media_hashes=[media.sha256 for media in record.media_files.all() if media.sha256],
            approved_by=actor,
            disposed_at=at,
        )
    ids = [record.pk for record in records]
    # Handled requests only; an open request keeps its record (excluded above).
    RegistrationRequest.objects.filter(record_id__in=ids, handled_at__isnull=False).delete()
    for record in records:
        # The one path the database allows; it also links the disposal into the hash chain.
        record_dispose(actor=actor, record=record, note=f"disposal batch {batch.pk}", at=at)
    batch.state = DisposalBatch.State.DISPOSED
    batch.approved_by = actor
    batch.approved_at = at
    batch.disposed_count = len(ids)
    batch.skipped_count = len(candidate_ids) - len(ids)
    batch.save(update_fields=["state", "approved_by", "approved_at", "disposed_count", "skipped_count"])
    DiaryEvent.objects.create(
        action=DiaryEvent.Action.DISPOSAL_APPROVED,
        actor=actor,
        department=batch.department,
        detail=f"batch {batch.pk}: {len(ids)} disposed, {batch.skipped_count} kept",
    )
    return batch


@transaction.atomic
def legal_hold_set(*, actor, record: Record, hold: bool, reason: str) -> None:
    """Put a record on legal hold, or take it off, with a reason (logged). Records on hold are
    never disposed of."""
    _check_disposer(actor, record.department)
    if not reason.strip():
        raise DisposalError(_("Give a reason."))
    Record.objects.filter(pk=record.pk).update(legal_hold=hold)
    record.legal_hold = hold
    DiaryEvent.objects.create(
        action=DiaryEvent.Action.HOLD_SET if hold else DiaryEvent.Action.HOLD_CLEARED,
        actor=actor,
        department=record.department,
        record=record,
        record_ref=f"{record.platform}:{record.platform_id}",
        detail=reason.strip(),
    )


@transaction.atomic
def document_class_save(*, actor, document_class: DocumentClass) -> DocumentClass:
    """Create or change a class of the plan; the records of a changed class get new dates.
    The classes hold for every department, so only a municipality-wide scope changes them."""
    if actor is None or not can_edit_document_classes(actor):
        raise PermissionDenied
    created = document_class.pk is None
    document_class.save()
    DiaryEvent.objects.create(
        action=DiaryEvent.Action.CLASS_CHANGED,
        actor=actor,
        detail=f"{'created' if created else 'changed'} {document_class.code}",
    )
    if not created:
        for classification in RecordClassification.objects.filter(
            document_class=document_class
        ).select_related("record"):
            retention_assign(record=classification.record)
    return document_class
