"""Writes to the archive: records come in through `record_ingest` and change only here."""

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ServiceAccount

from .hashing import canonical_json, sha256_hex, version_hash
from .integrity import archive_write, chain_append
from .models import (
    AccessLog,
    ChainEntry,
    DisclosureExport,
    DisclosureItem,
    Record,
    RecordKind,
    RecordVersion,
    SourceResponse,
)
from .search import record_search_vector, searchable_text
from .storable import storable


def _chain_version(record: Record, version: RecordVersion) -> None:
    chain_append(
        account_id=record.account_id,
        kind=ChainEntry.Kind.VERSION,
        platform=record.platform,
        platform_id=record.platform_id,
        payload_sha256=version.sha256,
        record_id=record.pk,
        version_number=version.number,
        at=version.seen_at,
    )


@dataclass(frozen=True)
class EarlierVersion:
    """A text an item had before its current one, from the platform's own edit history."""

    text: str
    edited_at: datetime  # when the item was published with this text, or edited to it
    raw: dict = field(default_factory=dict)
    source: SourceResponse | None = None  # the response the history came in


@dataclass(frozen=True)
class IncomingItem:
    """A post or comment as a platform published it, in the archive's own terms."""

    platform_id: str
    kind: str
    published_at: datetime
    text: str = ""
    text_format: str = "plain"
    is_own: bool = False
    parent_platform_id: str = ""
    thread_platform_id: str = ""
    author_name: str = ""
    author_handle: str = ""
    author_platform_id: str = ""
    media: list[dict] = field(default_factory=list)
    permalink: str = ""
    edited_at: datetime | None = None
    raw: dict = field(default_factory=dict)
    escaped: bool = False  # set by the archive when text had to be stored escaped
    # The texts it had before, oldest first, where the platform keeps an edit history (N20): they
    # become versions ahead of the current text, each with the time of its own edit.
    earlier_versions: tuple[EarlierVersion, ...] = ()


@dataclass(frozen=True)
class IngestResult:
    record: Record
    created: bool
    changed: bool


def source_response_store(
    *,
    account: ServiceAccount,
    url: str,
    status: int,
    headers: dict,
    body: bytes,
    fetched_at: datetime,
    method: str = "GET",
) -> SourceResponse:
    return SourceResponse.objects.create(
        account=account,
        method=method,
        url=url,
        status=status,
        headers=dict(headers),
        body=body,
        sha256=sha256_hex(body),
        fetched_at=fetched_at,
    )


def _refresh_search(record: Record) -> None:
    Record.objects.filter(pk=record.pk).update(
        search_vector=record_search_vector(
            text=record.text,
            text_format=record.text_format,
            author_name=record.author_name,
            author_handle=record.author_handle,
        )
    )


def _platform_pk(platform: str, platform_id: str) -> int | None:
    """The id of the record with this platform id, if it has arrived (a unique index answers it)."""
    if not platform_id:
        return None
    found = Record.objects.filter(platform=platform, platform_id=platform_id).values_list("pk", flat=True)[:1]
    return next(iter(found), None)


def _link_relatives(record: Record) -> None:
    """Connect a post to itself as its thread, and orphans that arrived before the record to it."""
    platform = record.platform
    if record.kind == RecordKind.POST:
        Record.objects.filter(pk=record.pk).update(thread_id=record.pk)
        record.thread_id = record.pk
    Record.objects.filter(
        platform=platform, parent_platform_id=record.platform_id, parent__isnull=True
    ).update(parent=record)
    Record.objects.filter(
        platform=platform, thread_platform_id=record.platform_id, thread__isnull=True
    ).update(thread=record)


def _storable_item(item: IncomingItem) -> IncomingItem:
    """The item with text PostgreSQL cannot hold escaped, reversibly (see archive.storable)."""
    changes, escaped = {}, False
    for name in _TEXT_FIELDS:
        value, changed = storable(getattr(item, name))
        if changed:
            changes[name], escaped = value, True
    if not escaped:
        return item
    return replace(item, **changes, escaped=True)


_TEXT_FIELDS = (
    "platform_id",
    "parent_platform_id",
    "thread_platform_id",
    "text",
    "author_name",
    "author_handle",
    "author_platform_id",
    "permalink",
    "media",
    "raw",
)


def _add_earlier_version(record: Record, number: int, earlier: EarlierVersion, seen_at) -> None:
    text, _escaped = storable(earlier.text)
    raw, _escaped = storable(earlier.raw)
    raw_canonical = canonical_json(raw)
    raw_sha256 = sha256_hex(raw_canonical)
    version = RecordVersion.objects.create(
        record=record,
        number=number,
        text=text,
        edited_at=earlier.edited_at,
        seen_at=seen_at,
        raw_canonical=raw_canonical,
        raw_sha256=raw_sha256,
        sha256=version_hash(
            platform=record.platform,
            platform_id=record.platform_id,
            number=number,
            text=text,
            raw_sha256=raw_sha256,
        ),
        source=earlier.source,
    )
    _chain_version(record, version)


def _create(*, account, item: IncomingItem, source, seen_at, raw_canonical, raw_sha256) -> Record:
    earlier = [v for v in item.earlier_versions if item.edited_at is None or v.edited_at < item.edited_at]
    number = len(earlier) + 1  # the current text comes after the ones it replaced
    digest = version_hash(
        platform=account.platform,
        platform_id=item.platform_id,
        number=number,
        text=item.text,
        raw_sha256=raw_sha256,
    )
    record = Record.objects.create(
        account=account,
        department_id=account.department_id,
        platform=account.platform,
        platform_id=item.platform_id,
        kind=item.kind,
        is_own=item.is_own,
        parent_platform_id=item.parent_platform_id or "",
        thread_platform_id=item.thread_platform_id or "",
        author_name=item.author_name,
        author_handle=item.author_handle,
        author_platform_id=item.author_platform_id,
        text=item.text,
        text_format=item.text_format,
        escaped=item.escaped,
        media=item.media,
        permalink=item.permalink,
        published_at=item.published_at,
        edited_at=item.edited_at,
        first_seen_at=seen_at,
        last_seen_at=seen_at,
        raw_json=item.raw,
        raw_canonical=raw_canonical,
        raw_sha256=raw_sha256,
        content_sha256=digest,
        version_count=number,
        source=source,
        # A comment's parent and thread, when they are here already (else they link on arrival).
        parent_id=None
        if item.kind == RecordKind.POST
        else _platform_pk(account.platform, item.parent_platform_id),
        thread_id=None
        if item.kind == RecordKind.POST
        else _platform_pk(account.platform, item.thread_platform_id),
        search_vector=record_search_vector(
            text=item.text,
            text_format=item.text_format,
            author_name=item.author_name,
            author_handle=item.author_handle,
        ),
    )
    for position, old in enumerate(earlier, start=1):
        _add_earlier_version(record, position, old, seen_at)
    version = RecordVersion.objects.create(
        record=record,
        number=number,
        text=item.text,
        edited_at=item.edited_at,
        seen_at=seen_at,
        raw_canonical=raw_canonical,
        raw_sha256=raw_sha256,
        sha256=digest,
        source=source,
    )
    _chain_version(record, version)
    _link_relatives(record)
    return record


@transaction.atomic
def record_ingest(
    *,
    account: ServiceAccount,
    item: IncomingItem,
    source: SourceResponse | None = None,
    seen_at: datetime | None = None,
) -> IngestResult:
    """Upsert one item by (platform, platform id); a changed text becomes a new version.

    Idempotent: ingesting the same item again only moves `last_seen_at`.
    """
    seen_at = seen_at or timezone.now()
    item = _storable_item(item)
    raw_canonical = canonical_json(item.raw)
    raw_sha256 = sha256_hex(raw_canonical)
    existing = Record.objects.select_for_update().filter(
        platform=account.platform, platform_id=item.platform_id
    )
    record = next(iter(existing[:1]), None)  # unordered: the unique index answers it
    if record is None:
        try:
            with transaction.atomic():
                record = _create(
                    account=account,
                    item=item,
                    source=source,
                    seen_at=seen_at,
                    raw_canonical=raw_canonical,
                    raw_sha256=raw_sha256,
                )
            return IngestResult(record, created=True, changed=False)
        except IntegrityError:
            record = existing.get()

    record.last_seen_at = seen_at
    record.missing_since = None
    fields = ["last_seen_at", "missing_since"]
    missed = _missed_versions(record, item)
    changed = record.purged_at is None and (
        record.text != item.text or bool(missed) or _history_shows_an_edit(record, item)
    )
    if changed:
        for old in missed:
            record.version_count += 1
            _add_earlier_version(record, record.version_count, old, seen_at)
        number = record.version_count + 1
        digest = version_hash(
            platform=record.platform,
            platform_id=record.platform_id,
            number=number,
            text=item.text,
            raw_sha256=raw_sha256,
        )
        version = RecordVersion.objects.create(
            record=record,
            number=number,
            text=item.text,
            edited_at=item.edited_at,
            seen_at=seen_at,
            raw_canonical=raw_canonical,
            raw_sha256=raw_sha256,
            sha256=digest,
            source=source,
        )
        record.text = item.text
        record.edited_at = item.edited_at
        record.media = item.media
        record.raw_json = item.raw
        record.raw_canonical = raw_canonical
        record.raw_sha256 = raw_sha256
        record.content_sha256 = digest
        record.version_count = number
        record.source = source
        record.escaped = record.escaped or item.escaped
        fields += [
            "text", "edited_at", "media", "raw_json", "raw_canonical", "raw_sha256",
            "content_sha256", "version_count", "source", "escaped",
        ]  # fmt: skip
    if changed:
        _chain_version(record, version)
        with archive_write("version"):
            record.save(update_fields=fields)
        _refresh_search(record)
    else:
        record.save(update_fields=fields)
    return IngestResult(record, created=False, changed=changed)


def _missed_versions(record: Record, item: IncomingItem) -> list[EarlierVersion]:
    """The versions of the platform's edit history made after the last one the archive holds and
    before the current text: edits that came and went between two harvests."""
    if not item.earlier_versions or record.purged_at is not None:
        return []
    last = record.versions.order_by("-number").values_list("edited_at", flat=True).first()
    kept_until = last or record.published_at
    return [
        old
        for old in item.earlier_versions
        if old.edited_at > kept_until and (item.edited_at is None or old.edited_at < item.edited_at)
    ]


def _history_shows_an_edit(record: Record, item: IncomingItem) -> bool:
    """With the platform's edit history at hand, a newer edit time is an edit even where the text
    stayed the same (a changed picture, say): the new state is kept as a version of its own."""
    return bool(item.earlier_versions) and item.edited_at is not None and item.edited_at != record.edited_at


@transaction.atomic
def record_mark_missing(*, record: Record, at: datetime) -> bool:
    """The platform no longer returns the item; only an explicit not-found makes it deleted.
    Whether this marked it (False: it was marked already)."""
    if record.missing_since is None and record.deleted_on_platform_at is None:
        Record.objects.filter(pk=record.pk).update(missing_since=at)
        record.missing_since = at
        return True
    return False


@transaction.atomic
def record_mark_deleted_on_platform(*, record: Record, at: datetime) -> bool:
    """Whether this marked it deleted (False: it was marked already)."""
    if record.deleted_on_platform_at is None:
        Record.objects.filter(pk=record.pk).update(deleted_on_platform_at=at)
        record.deleted_on_platform_at = at
        return True
    return False


@transaction.atomic
def record_remove(
    *, actor, record: Record, ground: str, reason: str = "", at: datetime | None = None
) -> None:
    """F7/N14: the municipality removed the item from its account. The record stays in the archive
    marked removed, by whom and on which ground: removing content is itself documented."""
    if not ground:
        raise ValueError("a removal needs a legal ground")
    at = at or timezone.now()
    Record.objects.filter(pk=record.pk).update(
        removed_at=at, removed_by=actor, removal_ground=ground, removal_reason=reason
    )
    record.removed_at, record.removed_by, record.removal_ground, record.removal_reason = (
        at,
        actor,
        ground,
        reason,
    )
    chain_append(
        account_id=record.account_id,
        kind=ChainEntry.Kind.REMOVAL,
        platform=record.platform,
        platform_id=record.platform_id,
        payload_sha256=sha256_hex(
            canonical_json({"ground": ground, "reason": reason, "by": getattr(actor, "pk", None)})
        ),
        record_id=record.pk,
        at=at,
    )


def _media_delete(record: Record) -> None:
    """Delete a record's media files: the rows now, the stored bytes once the transaction commits."""
    from django.core.files.storage import default_storage

    names = [name for name in record.media_files.values_list("file", flat=True) if name]
    record.media_files.all().delete()
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


@transaction.atomic
def record_purge(*, actor, record: Record, ground: str, at: datetime | None = None) -> None:
    """Child sexual abuse material is never kept: text, raw payload, media and version texts are
    erased; only metadata and the hashes that prove what was there remain."""
    at = at or timezone.now()
    record_remove(actor=actor, record=record, ground=ground, reason="", at=at)
    source_ids = {record.source_id, *record.versions.values_list("source_id", flat=True)} - {None}
    with archive_write("purge"):
        _media_delete(record)
        record.versions.update(text="", raw_canonical="")
        Record.objects.filter(pk=record.pk).update(
            text="", media=[], raw_json={}, raw_canonical="", search_vector=None, purged_at=at
        )
        # The responses it came in are erased too; their hashes still prove what was received.
        SourceResponse.objects.filter(pk__in=source_ids).update(body=b"")
    chain_append(
        account_id=record.account_id,
        kind=ChainEntry.Kind.PURGE,
        platform=record.platform,
        platform_id=record.platform_id,
        payload_sha256=record.content_sha256,
        record_id=record.pk,
        at=at,
    )
    record.refresh_from_db()


@transaction.atomic
def record_dispose(*, actor, record: Record, note: str = "", at: datetime | None = None) -> None:
    """Delete a record with its versions and media (gallring). The only path the database allows;
    the account's hash chain keeps a link naming what was disposed of and its last hash. The
    caller decides whether the record may be disposed of and keeps its own disposal log."""
    at = at or timezone.now()
    chain_append(
        account_id=record.account_id,
        kind=ChainEntry.Kind.DISPOSAL,
        platform=record.platform,
        platform_id=record.platform_id,
        payload_sha256=sha256_hex(
            canonical_json({"content": record.content_sha256, "by": getattr(actor, "pk", None), "note": note})
        ),
        record_id=record.pk,
        at=at,
    )
    with archive_write("dispose"):
        Record.objects.filter(parent=record).update(parent=None)
        Record.objects.filter(thread=record).exclude(pk=record.pk).update(thread=None)
        _media_delete(record)
        record.versions.all().delete()
        Record.objects.filter(pk=record.pk).delete()


@transaction.atomic
def media_file_store(
    *,
    record: Record,
    url: str,
    media_type: str,
    alt_text: str = "",
    content: bytes | None = None,
    content_type: str = "",
    skipped_reason: str = "",
    retry_at: datetime | None = None,
    fetched_at: datetime | None = None,
):
    """Keep a record's media file, since platform addresses expire: the bytes go to the default file
    storage, named by their SHA-256, with type and size. Without ``content`` the file is recorded as
    skipped with the reason (too large, not downloadable), so nothing is lost silently, and with
    ``retry_at`` when another attempt may succeed. Upsert by (record, url): storing the same file
    again changes nothing."""
    import mimetypes

    from django.core.files.base import ContentFile

    from .models import MediaFile

    media, _created = MediaFile.objects.select_for_update().get_or_create(
        record=record, url=url[:2000], defaults={"media_type": media_type, "alt_text": alt_text}
    )
    media.media_type, media.alt_text = media_type, alt_text
    media.fetched_at = fetched_at or timezone.now()
    media.attempts += 1
    if content is not None:
        digest = sha256_hex(content)
        content_type = (content_type or "application/octet-stream").split(";")[0].strip()[:100]
        if media.sha256 != digest or not media.file:
            extension = mimetypes.guess_extension(content_type) or ""
            media.file.save(f"{digest}{extension}", ContentFile(content), save=False)
        media.sha256, media.size, media.content_type, media.skipped_reason = (
            digest,
            len(content),
            content_type,
            "",
        )
        media.retry_at = None
    elif not media.file:
        media.skipped_reason = (skipped_reason or "not downloaded")[:200]
        media.retry_at = retry_at
    media.save()
    return media


# The access log and disclosure exports.


def access_log(*, user, action: str, record: Record | None = None, export=None, detail: dict | None = None):
    """Write who viewed or took out what. Called in the same transaction as the read it records."""
    return AccessLog.objects.create(
        user=user, action=action, record=record, export=export, detail=detail or {}
    )


@transaction.atomic
def record_view(*, user, record: Record) -> None:
    access_log(user=user, action=AccessLog.Action.VIEW, record=record)


@transaction.atomic
def source_download(*, user, record: Record, source: SourceResponse) -> bytes:
    access_log(
        user=user,
        action=AccessLog.Action.SOURCE,
        record=record,
        detail={"source": source.pk, "sha256": source.sha256, "url": source.url},
    )
    return bytes(source.body)


@transaction.atomic
def media_download(*, user, record: Record, media) -> bytes:
    access_log(
        user=user,
        action=AccessLog.Action.MEDIA,
        record=record,
        detail={"media": media.pk, "sha256": media.sha256, "url": media.url},
    )
    with media.file.open("rb") as handle:
        return handle.read()


MAX_EXPORT_RECORDS = 1000


@transaction.atomic
def export_create(
    *, actor, request_reference: str, record_ids: list[int], note: str = ""
) -> DisclosureExport:
    """Start a disclosure: the chosen records the person may see, in the order given."""
    from .permissions import can_export, visible_records

    if not can_export(actor):
        raise PermissionDenied
    request_reference = request_reference.strip()
    if not request_reference:
        raise ValidationError(_("Say which request the records are disclosed for."))
    wanted = list(dict.fromkeys(int(pk) for pk in record_ids))[:MAX_EXPORT_RECORDS]
    visible = set(visible_records(actor).filter(pk__in=wanted).values_list("pk", flat=True))
    chosen = [pk for pk in wanted if pk in visible]
    if not chosen:
        raise ValidationError(_("Choose at least one record."))
    export = DisclosureExport.objects.create(created_by=actor, request_reference=request_reference, note=note)
    DisclosureItem.objects.bulk_create(
        DisclosureItem(export=export, record_id=pk, position=index) for index, pk in enumerate(chosen)
    )
    return export


def _editable(export: DisclosureExport) -> None:
    if export.status in (DisclosureExport.Status.QUEUED, DisclosureExport.Status.RUNNING):
        raise ValidationError(_("The PDF is being produced; wait until it is ready."))


@transaction.atomic
def export_item_mask(
    *, actor, item: DisclosureItem, passages: list[str], mask_author: bool
) -> DisclosureItem:
    """Secrecy review: every occurrence of each passage in the record's text is masked."""
    from .export import mask_ranges

    export = DisclosureExport.objects.select_for_update().get(pk=item.export_id)
    _editable(export)
    text = export_text(item.record)
    item.masks = mask_ranges(text, passages)
    item.mask_author = mask_author
    item.save(update_fields=["masks", "mask_author"])
    if export.status == DisclosureExport.Status.DONE:
        # The PDF no longer matches the review; it is made again on request.
        DisclosureExport.objects.filter(pk=export.pk).update(
            status=DisclosureExport.Status.DRAFT, pdf=None, pdf_sha256="", progress=0
        )
    return item


def export_text(record: Record) -> str:
    return searchable_text(record.text, record.text_format)


@transaction.atomic
def export_queue_pdf(*, actor, export: DisclosureExport) -> None:
    export = DisclosureExport.objects.select_for_update().get(pk=export.pk)
    _editable(export)
    DisclosureExport.objects.filter(pk=export.pk).update(
        status=DisclosureExport.Status.QUEUED, progress=0, error="", pdf=None, pdf_sha256=""
    )
    from .tasks import export_pdf

    transaction.on_commit(lambda: export_pdf.delay(export.pk))


def _progress(export_id: int, **fields) -> None:
    # Written outside the task's work so the page that polls sees it at once.
    DisclosureExport.objects.filter(pk=export_id).update(**fields)


def export_render_pdf(*, export_id: int) -> DisclosureExport:
    """Produce the masked PDF of an export (run by a worker)."""
    from .export import render_pdf

    export = DisclosureExport.objects.get(pk=export_id)
    if export.status not in (DisclosureExport.Status.QUEUED, DisclosureExport.Status.RUNNING):
        return export
    _progress(export_id, status=DisclosureExport.Status.RUNNING, progress=5)
    try:
        pdf = render_pdf(export, progress=lambda percent: _progress(export_id, progress=percent))
    except Exception as error:
        _progress(export_id, status=DisclosureExport.Status.FAILED, error=str(error)[:2000])
        raise
    _progress(
        export_id,
        status=DisclosureExport.Status.DONE,
        progress=100,
        pdf=pdf,
        pdf_sha256=sha256_hex(pdf),
        pdf_made_at=timezone.now(),
    )
    export.refresh_from_db()
    return export


@transaction.atomic
def export_take_out(*, actor, export: DisclosureExport, file_format: str) -> bytes:
    """The export as a file (pdf, csv or json), masked; logged with the request it answers."""
    from .export import export_csv, export_json

    if file_format == "pdf":
        if export.status != DisclosureExport.Status.DONE or not export.pdf:
            raise ValidationError(_("The PDF is not ready."))
        content = bytes(export.pdf)
    elif file_format == "csv":
        content = export_csv(export)
    elif file_format == "json":
        content = export_json(export)
    else:
        raise ValueError(file_format)
    record_ids = list(export.items.values_list("record_id", flat=True))
    access_log(
        user=actor,
        action=AccessLog.Action.EXPORT,
        export=export,
        detail={
            "format": file_format,
            "request_reference": export.request_reference,
            "records": record_ids,
            "sha256": sha256_hex(content),
        },
    )
    return content
