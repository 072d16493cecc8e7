"""Writes to the archive: records come in through `records_ingest` (a page) or `record_ingest` (one
item) and change only here."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import DEFERRED
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ServiceAccount
from accounts.roles import Area, in_scope

from .bulk import insert_rows
from .hashing import canonical_json, sha256_hex, version_hash
from .integrity import Link, archive_write, chain_append, chain_extend
from .models import (
    AccessLog,
    ChainEntry,
    ChainHead,
    ChainTimestamp,
    DisclosureExport,
    DisclosureItem,
    Record,
    RecordKind,
    RecordVersion,
    SecrecyProvision,
    SourceResponse,
)
from .search import SEARCH_VECTOR_SQL, record_search_vector, search_parts, searchable_text
from .storable import json_storable, storable


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


def _storable_item(item: IncomingItem, raw_canonical: str | None = None) -> IncomingItem:
    """The item with text PostgreSQL cannot hold escaped, reversibly (see archive.storable). With
    the raw payload's canonical JSON, a payload that needs nothing escaped is not walked."""
    changes, escaped = {}, False
    for name in _TEXT_FIELDS:
        if name == "raw" and raw_canonical is not None and json_storable(raw_canonical):
            continue
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


@dataclass(frozen=True)
class _Prepared:
    """An item as it will be stored, with the hashes of its raw payload and of a first version."""

    item: IncomingItem
    raw_canonical: str
    raw_sha256: str
    first_sha256: str
    words: str
    names: str


def _prepared(platform: str, item: IncomingItem) -> _Prepared:
    raw_canonical = canonical_json(item.raw)
    stored = _storable_item(item, raw_canonical)
    if stored.raw is not item.raw:
        raw_canonical = canonical_json(stored.raw)
    item = stored
    raw_sha256 = sha256_hex(raw_canonical)
    words, names = search_parts(
        text=item.text,
        text_format=item.text_format,
        author_name=item.author_name,
        author_handle=item.author_handle,
    )
    return _Prepared(
        item=item,
        raw_canonical=raw_canonical,
        raw_sha256=raw_sha256,
        first_sha256=version_hash(
            platform=platform, platform_id=item.platform_id, number=1, text=item.text, raw_sha256=raw_sha256
        ),
        words=words,
        names=names,
    )


# The columns of a new record that differ per item, in the order of the VALUES rows, with the cast
# each needs there (a VALUES list on its own types its literals as text). Text columns get no cast,
# so that the column's own length limit still refuses what is too long. The payload's jsonb is read
# from its canonical JSON (the same value), not sent a second time.
_ITEM_COLUMNS = (
    ("platform_id", ""),
    ("kind", ""),
    ("is_own", "::boolean"),
    ("parent_platform_id", ""),
    ("thread_platform_id", ""),
    ("author_name", ""),
    ("author_handle", ""),
    ("author_platform_id", ""),
    ("text", ""),
    ("text_format", ""),
    ("escaped", "::boolean"),
    ("media", "::jsonb"),
    ("permalink", ""),
    ("published_at", "::timestamptz"),
    ("edited_at", "::timestamptz"),
    ("raw_canonical", ""),
    ("raw_sha256", ""),
    ("content_sha256", ""),
    ("labels", "::varchar(60)[]"),
    ("parent_id", "::bigint"),
    ("thread_id", "::bigint"),
)
# The same for every item of the page.
_PAGE_COLUMNS = (
    "account_id", "department_id", "platform", "first_seen_at", "last_seen_at", "source_id",
    "version_count", "legal_hold", "removal_ground", "removal_reason", "created_at",
)  # fmt: skip
# What a batch reads back of each record: everything but the large payload and the search vector
# (left deferred, loaded if asked for).
_HEAVY = ("raw_json", "raw_canonical", "search_vector")
_RETURNED = tuple(f for f in Record._meta.concrete_fields if f.attname not in _HEAVY)
_UPSERT_SQL = """
INSERT INTO archive_record ({item_columns}, raw_json, {page_columns}, search_vector)
SELECT {item_values}, v.raw_canonical::jsonb, {page_values},
       CASE WHEN NOT EXISTS (SELECT FROM archive_record known
                              WHERE known.platform = %s AND known.platform_id = v.platform_id)
            THEN {search_vector} END
  FROM (VALUES {rows}) AS v({item_columns}, words, names)
 ORDER BY v.platform_id
    ON CONFLICT (platform, platform_id) DO UPDATE
   SET last_seen_at = EXCLUDED.last_seen_at, missing_since = NULL
RETURNING {returned}, xmax = 0, search_vector IS NULL
"""


def _json(name: str, value):
    return Record._meta.get_field(name).get_db_prep_save(value, connection)


_CONVERTERS = [getattr(f, "from_db_value", None) for f in _RETURNED]
_DEFERRED_AT = [index for index, f in enumerate(Record._meta.concrete_fields) if f.attname in _HEAVY]
_ALL_FIELDS = [f.attname for f in Record._meta.concrete_fields]


def _from_row(values) -> Record:
    """A record from the columns of `_RETURNED`, the heavy ones deferred."""
    row = [
        convert(value, None, connection) if convert and value is not None else value
        for convert, value in zip(_CONVERTERS, values, strict=True)
    ]
    for index in _DEFERRED_AT:
        row.insert(index, DEFERRED)
    return Record.from_db(connection.alias, _ALL_FIELDS, row)


def _records_upsert(
    *, account, page: list[_Prepared], labels: list[Sequence[str]], source, seen_at
) -> dict[str, tuple[Record, bool]]:
    """One statement for the page's records: new ones inserted whole (their search vector computed
    by PostgreSQL, only for them), known ones locked and marked seen. Returns, by platform id, the record as stored
    and whether it is new. Known records are locked in platform-id order, so two writers of
    overlapping pages cannot deadlock."""
    placeholders = "(" + ", ".join(["%s"] * (len(_ITEM_COLUMNS) + 2)) + ")"
    known = _known_relatives(account.platform, page)
    params: list = []
    for prepared, new_labels in zip(page, labels, strict=True):
        item = prepared.item
        relatives = (None, None)
        if item.kind != RecordKind.POST:  # a new comment comes in linked to what is archived already
            relatives = (known.get(item.parent_platform_id), known.get(item.thread_platform_id))
        params += [
            item.platform_id, item.kind, item.is_own, item.parent_platform_id or "",
            item.thread_platform_id or "", item.author_name, item.author_handle, item.author_platform_id,
            item.text, item.text_format, item.escaped, _json("media", item.media), item.permalink,
            item.published_at, item.edited_at, prepared.raw_canonical,
            prepared.raw_sha256, prepared.first_sha256, list(new_labels), *relatives, prepared.words,
            prepared.names,
        ]  # fmt: skip
    page_values = [
        account.pk, account.department_id, account.platform, seen_at, seen_at,
        source.pk if source else None, 1, False, "", "", timezone.now(),
    ]  # fmt: skip
    sql = _UPSERT_SQL.format(
        item_columns=", ".join(name for name, _cast in _ITEM_COLUMNS),
        page_columns=", ".join(_PAGE_COLUMNS),
        item_values=", ".join(f"v.{name}{cast}" for name, cast in _ITEM_COLUMNS),
        page_values=", ".join(["%s"] * len(_PAGE_COLUMNS)),
        search_vector=SEARCH_VECTOR_SQL.format(words="v.words", names="v.names"),
        rows=", ".join([placeholders] * len(page)),
        returned=", ".join(f"archive_record.{f.column}" for f in _RETURNED),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*page_values, account.platform, *params])
        rows = cursor.fetchall()
    stored = {}
    for *values, inserted, without_vector in rows:
        record = _from_row(values)
        record.account = account
        if inserted and without_vector:
            # Known when the statement began, gone (disposed of) before it inserted: index it now.
            Record.objects.filter(pk=record.pk).update(
                search_vector=record_search_vector(
                    text=record.text,
                    text_format=record.text_format,
                    author_name=record.author_name,
                    author_handle=record.author_handle,
                )
            )
        stored[record.platform_id] = (record, inserted)
    return stored


def _known_relatives(platform: str, page: list[_Prepared]) -> dict[str, int]:
    """The ids of the archived records the page's comments answer or belong to, by platform id, read
    before the upsert: a comment inserted with its parent and thread is not written a second time by
    `_relatives_link` (each write of a record maintains all of its indexes)."""
    wanted = {
        platform_id
        for entry in page
        if entry.item.kind != RecordKind.POST
        for platform_id in (entry.item.parent_platform_id, entry.item.thread_platform_id)
        if platform_id
    }
    if not wanted:
        return {}
    return dict(
        Record.objects.filter(platform=platform, platform_id__in=wanted).values_list("platform_id", "pk")
    )


_NEW_VERSION_SQL = """
UPDATE archive_record r
   SET text = v.text, edited_at = v.edited_at::timestamptz, media = v.media::jsonb,
       raw_json = v.raw_canonical::jsonb, raw_canonical = v.raw_canonical, raw_sha256 = v.raw_sha256,
       content_sha256 = v.content_sha256, version_count = v.version_count::integer,
       source_id = v.source_id::bigint, escaped = r.escaped OR v.escaped::boolean,
       search_vector = {search_vector}
  FROM (VALUES {rows}) AS v(id, text, edited_at, media, raw_canonical, raw_sha256,
                            content_sha256, version_count, source_id, escaped, words, names)
 WHERE r.id = v.id::bigint
"""


def _records_new_version(changed: list[tuple[Record, _Prepared]]) -> None:
    """The records whose text changed take their new version's content, in one statement."""
    params: list = []
    for record, prepared in changed:
        words, names = search_parts(
            text=record.text,
            text_format=record.text_format,
            author_name=record.author_name,
            author_handle=record.author_handle,
        )
        params += [
            record.pk, record.text, record.edited_at, _json("media", record.media),
            record.raw_canonical, record.raw_sha256,
            record.content_sha256, record.version_count, record.source_id, prepared.item.escaped, words, names,
        ]  # fmt: skip
    sql = _NEW_VERSION_SQL.format(
        search_vector=SEARCH_VECTOR_SQL.format(words="v.words", names="v.names"),
        rows=", ".join(["(" + ", ".join(["%s"] * 12) + ")"] * len(changed)),
    )
    with archive_write("version"), connection.cursor() as cursor:
        cursor.execute(sql, params)


_LINK_SQL = """
WITH wanted AS (
  SELECT c.id, c.parent_id AS was_parent, c.thread_id AS was_thread,
         CASE WHEN c.parent_id IS NOT NULL OR c.parent_platform_id = '' THEN c.parent_id
              ELSE (SELECT p.id FROM archive_record p
                     WHERE p.platform = c.platform AND p.platform_id = c.parent_platform_id
                       AND ((c.kind <> 'post' AND c.id = ANY(%(new)s::bigint[])) OR p.id = ANY(%(new)s::bigint[])))
         END AS parent_id,
         CASE WHEN c.thread_id IS NOT NULL THEN c.thread_id
              WHEN c.kind = 'post' AND c.id = ANY(%(new)s::bigint[]) THEN c.id
              WHEN c.thread_platform_id = '' THEN NULL
              ELSE (SELECT t.id FROM archive_record t
                     WHERE t.platform = c.platform AND t.platform_id = c.thread_platform_id
                       AND ((c.kind <> 'post' AND c.id = ANY(%(new)s::bigint[])) OR t.id = ANY(%(new)s::bigint[])))
         END AS thread_id
    FROM archive_record c
   WHERE c.id = ANY(%(new)s::bigint[])
      OR (c.platform = %(platform)s AND c.parent_id IS NULL AND c.parent_platform_id = ANY(%(ids)s::text[]))
      OR (c.platform = %(platform)s AND c.thread_id IS NULL AND c.thread_platform_id = ANY(%(ids)s::text[]))
)
UPDATE archive_record r SET parent_id = w.parent_id, thread_id = w.thread_id
  FROM wanted w
 WHERE r.id = w.id AND (w.parent_id, w.thread_id) IS DISTINCT FROM (w.was_parent, w.was_thread)
RETURNING r.id, r.parent_id, r.thread_id
"""


def _relatives_link(*, platform: str, created: list[Record]) -> None:
    """New posts become their own thread; new comments find their parent and thread if they have
    arrived, and records that arrived before their parent or thread find it among the new ones.
    One statement for the page, whatever order its items came in."""
    if not created:
        return
    by_pk = {record.pk: record for record in created}
    with connection.cursor() as cursor:
        cursor.execute(
            _LINK_SQL,
            {"new": list(by_pk), "ids": [record.platform_id for record in created], "platform": platform},
        )
        for pk, parent_id, thread_id in cursor.fetchall():
            if pk in by_pk:
                by_pk[pk].parent_id, by_pk[pk].thread_id = parent_id, thread_id


def _rounds(prepared: list[_Prepared]) -> list[list[int]]:
    """The positions of the items in rounds in which no platform id comes twice: a page that
    names an item twice stores it twice, in order, as if one by one."""
    rounds: list[list[int]] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(prepared):
        n = seen.get(entry.item.platform_id, 0)
        seen[entry.item.platform_id] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(index)
    return rounds


@transaction.atomic
def records_ingest(
    *,
    account: ServiceAccount,
    items: Sequence[IncomingItem],
    source: SourceResponse | None = None,
    seen_at: datetime | None = None,
    labels: Sequence[Sequence[str]] | None = None,
) -> list[IngestResult]:
    """Upsert a page of items by (platform, platform id) as one set; a changed text becomes a new
    version. The results are those of `record_ingest` item by item, in the order given.

    A fixed number of statements however long the page: one upsert of the records, one insert of
    the versions of new and changed texts, the page's hash-chain links computed here and appended
    under one lock of the chain head, one update for the records whose text changed and one that
    links comments to their posts. Idempotent: ingesting the same items again only moves
    `last_seen_at`.

    `labels`, one list per item, are the labels a new record starts with (other apps' labels, see
    `Record.labels`, written with the record so that it is not written again for them); a known
    record keeps its own."""
    seen_at = seen_at or timezone.now()
    prepared = [_prepared(account.platform, item) for item in items]
    results: list[IngestResult | None] = [None] * len(prepared)
    for positions in _rounds(prepared):
        page = [prepared[index] for index in positions]
        stored = _records_upsert(
            account=account,
            page=page,
            labels=[labels[index] if labels else () for index in positions],
            source=source,
            seen_at=seen_at,
        )
        versions: list[_NewVersion] = []
        created: list[Record] = []
        changed: list[tuple[Record, _Prepared]] = []
        for index, entry in zip(positions, page, strict=True):
            item = entry.item
            record, inserted = stored[item.platform_id]
            if inserted:
                record.raw_json, record.raw_canonical = item.raw, entry.raw_canonical
                record.source = source
                created.append(record)
                results[index] = IngestResult(record, created=True, changed=False)
                earlier = [
                    v for v in item.earlier_versions if item.edited_at is None or v.edited_at < item.edited_at
                ]
                if not earlier:
                    versions.append(_NewVersion.current(record, 1, entry.first_sha256, entry, source))
                    continue
                # The platform's edit history: the texts it had before come first, each with the time
                # of its own edit, and the current one after them (N20).
                versions += [_NewVersion.earlier(record, n, old) for n, old in enumerate(earlier, start=1)]
                _current_version(record, len(earlier) + 1, entry, source, versions)
                changed.append((record, entry))
                continue
            missed = _missed_versions(record, item)
            if record.purged_at is None and (
                record.text != item.text or missed or _history_shows_an_edit(record, item)
            ):
                for old in missed:
                    record.version_count += 1
                    versions.append(_NewVersion.earlier(record, record.version_count, old))
                _current_version(record, record.version_count + 1, entry, source, versions)
                changed.append((record, entry))
                results[index] = IngestResult(record, created=False, changed=True)
            else:
                results[index] = IngestResult(record, created=False, changed=False)
        _versions_insert(versions, seen_at=seen_at, source=source)
        if changed:
            _records_new_version(changed)
        chain_extend(
            account_id=account.pk,
            links=[
                Link(
                    kind=ChainEntry.Kind.VERSION,
                    platform=version.record.platform,
                    platform_id=version.record.platform_id,
                    payload_sha256=version.sha256,
                    at=seen_at,
                    record_id=version.record.pk,
                    version_number=version.number,
                )
                for version in versions
            ],
        )
        _relatives_link(platform=account.platform, created=created)
    return results


@dataclass(frozen=True)
class _NewVersion:
    record: Record
    number: int
    sha256: str
    text: str
    edited_at: datetime | None
    raw_canonical: str
    raw_sha256: str
    source_id: int | None

    @classmethod
    def current(cls, record: Record, number: int, sha256: str, entry: _Prepared, source) -> "_NewVersion":
        item = entry.item
        return cls(
            record, number, sha256, item.text, item.edited_at, entry.raw_canonical, entry.raw_sha256,
            source.pk if source else None,
        )  # fmt: skip

    @classmethod
    def earlier(cls, record: Record, number: int, old: EarlierVersion) -> "_NewVersion":
        """A text from the platform's edit history, kept exactly (escaped where PostgreSQL cannot hold it)."""
        text, _escaped = storable(old.text)
        raw, _escaped = storable(old.raw)
        raw_canonical = canonical_json(raw)
        raw_sha256 = sha256_hex(raw_canonical)
        digest = version_hash(
            platform=record.platform,
            platform_id=record.platform_id,
            number=number,
            text=text,
            raw_sha256=raw_sha256,
        )
        return cls(
            record, number, digest, text, old.edited_at, raw_canonical, raw_sha256,
            old.source.pk if old.source else None,
        )  # fmt: skip


def _current_version(record: Record, number: int, entry: _Prepared, source, versions: list) -> None:
    """The item's text as it is now becomes version ``number``, and the record takes its content."""
    item = entry.item
    digest = version_hash(
        platform=record.platform,
        platform_id=record.platform_id,
        number=number,
        text=item.text,
        raw_sha256=entry.raw_sha256,
    )
    versions.append(_NewVersion.current(record, number, digest, entry, source))
    record.text, record.edited_at, record.media = item.text, item.edited_at, item.media
    record.raw_json, record.raw_canonical = item.raw, entry.raw_canonical
    record.raw_sha256, record.content_sha256 = entry.raw_sha256, digest
    record.version_count, record.source = number, source
    record.escaped = record.escaped or item.escaped


_VERSION_FIELDS = (
    "record", "number", "text", "edited_at", "seen_at", "raw_canonical", "raw_sha256", "sha256", "source",
)  # fmt: skip


def _versions_insert(versions: list[_NewVersion], *, seen_at, source) -> None:
    insert_rows(
        RecordVersion,
        _VERSION_FIELDS,
        [
            (
                v.record.pk,
                v.number,
                v.text,
                v.edited_at,
                seen_at,
                v.raw_canonical,
                v.raw_sha256,
                v.sha256,
                v.source_id,
            )
            for v in versions
        ],
    )


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
    return records_ingest(account=account, items=[item], source=source, seen_at=seen_at)[0]


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
    caller decides whether the record may be disposed of and keeps its own disposal log; the
    acting person must keep the disposal of the record's department."""
    if actor is None or not in_scope(actor, Area.DISPOSAL, record.department_id, change=True):
        raise PermissionDenied
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


def _record_source_ids(record: Record) -> set[int]:
    return {record.source_id, *record.versions.values_list("source_id", flat=True)} - {None}


def _check_export(actor, export: DisclosureExport) -> None:
    from .permissions import can_handle_export

    if not can_handle_export(actor, export):
        raise PermissionDenied


@transaction.atomic
def record_view(*, user, record: Record) -> None:
    from .permissions import can_view_record

    if not can_view_record(user, record):
        raise PermissionDenied
    access_log(user=user, action=AccessLog.Action.VIEW, record=record)


@transaction.atomic
def source_download(*, user, record: Record, source: SourceResponse) -> bytes:
    from .permissions import can_download_source

    if not can_download_source(user, record) or source.pk not in _record_source_ids(record):
        raise PermissionDenied
    access_log(
        user=user,
        action=AccessLog.Action.SOURCE,
        record=record,
        detail={"source": source.pk, "sha256": source.sha256, "url": source.url},
    )
    return bytes(source.body)


@transaction.atomic
def media_download(*, user, record: Record, media) -> bytes:
    from .permissions import can_view_record

    if not can_view_record(user, record) or media.record_id != record.pk:
        raise PermissionDenied
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


def _provision(code: str) -> str:
    code = (code or "").strip()
    if not SecrecyProvision.objects.filter(code=code).exists():
        raise ValidationError(_("Choose the secrecy provision the masking is based on."))
    return code


@transaction.atomic
def export_item_mask(
    *, actor, item: DisclosureItem, passages: list[str], mask_author: bool, provision: str = ""
) -> DisclosureItem:
    """Secrecy review: every occurrence of each passage in the record's text is masked, each masking citing
    its secrecy provision. A passage already masked keeps the provision it cites; new ones (and the author,
    when newly masked) cite ``provision``. A passage that is not in the text is refused, never saved."""
    from .export import mask_ranges, masked_passages

    export = DisclosureExport.objects.select_for_update().get(pk=item.export_id)
    _check_export(actor, export)
    _editable(export)
    text = export_text(item.record)
    passages = [passage.strip() for passage in passages if passage.strip()]
    missing = [passage for passage in passages if passage not in text]
    if missing:
        raise ValidationError(
            _("This is not in the text, so nothing was masked: %(passages)s")
            % {"passages": ", ".join(f"”{passage}”" for passage in missing)}
        )
    cited = dict(masked_passages(text, item.masks))
    new = [passage for passage in passages if not cited.get(passage)]
    if new or (mask_author and not item.author_provision):
        provision = _provision(provision)
    item.masks = mask_ranges(text, [(passage, cited.get(passage) or provision) for passage in passages])
    item.mask_author = mask_author
    item.author_provision = (item.author_provision or provision) if mask_author else ""
    item.save(update_fields=["masks", "mask_author", "author_provision"])
    access_log(
        user=actor,
        action=AccessLog.Action.MASK,
        record=item.record,
        export=export,
        detail={"passages": len(passages), "author": mask_author},
    )
    if export.status == DisclosureExport.Status.DONE:
        # The PDF no longer matches the review; it is made again on request.
        DisclosureExport.objects.filter(pk=export.pk).update(
            status=DisclosureExport.Status.DRAFT, pdf=None, pdf_sha256="", progress=0
        )
    return item


def export_item_mask_add(*, actor, item: DisclosureItem, passage: str, provision: str) -> DisclosureItem:
    """One more passage masked, as a suggestion is taken with one click."""
    from .export import masked_passages

    text = export_text(item.record)
    already = [masked for masked, _code in masked_passages(text, item.masks)]
    return export_item_mask(
        actor=actor,
        item=item,
        passages=[*already, passage],
        mask_author=item.mask_author,
        provision=provision,
    )


def export_text(record: Record) -> str:
    return searchable_text(record.text, record.text_format)


@transaction.atomic
def export_queue_pdf(*, actor, export: DisclosureExport) -> None:
    export = DisclosureExport.objects.select_for_update().get(pk=export.pk)
    _check_export(actor, export)
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

    _check_export(actor, export)
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


# --- trusted timestamps of the hash chain (RFC 3161) --------------------------------------------


def chain_timestamps_queue() -> list[int]:
    """Queue a timestamp of every account whose chain head has none yet (beat, once a day)."""
    from django.conf import settings

    from .selectors import chain_heads_without_timestamp
    from .tasks import chain_timestamp as chain_timestamp_task

    if not settings.SMGOV_TSA_URL:
        return []
    account_ids = list(chain_heads_without_timestamp().values_list("account_id", flat=True))
    for account_id in account_ids:
        transaction.on_commit(lambda account_id=account_id: chain_timestamp_task.delay(account_id))
    return account_ids


def chain_timestamp(*, account_id: int, at: datetime | None = None) -> ChainTimestamp | None:
    """Have the head of the account's hash chain timestamped by the TSA (SMGOV_TSA_URL) and keep the
    token. Returns None when timestamping is off or the chain is empty, the stored row when the head
    already has a token. A TSA that fails is recorded on the row (shown as the integrity status) and
    the error raised again, so the task can retry."""
    from django.conf import settings
    from django.db.models import F
    from django.utils import translation

    from .timestamps import TimestampError, token_info, tsa_request

    if not settings.SMGOV_TSA_URL:
        return None
    head = ChainHead.objects.filter(account_id=account_id).first()
    if head is None or head.seq == 0:
        return None
    stamp, _created = ChainTimestamp.objects.get_or_create(
        account_id=account_id,
        seq=head.seq,
        defaults={"chain_hash": head.hash, "tsa_url": settings.SMGOV_TSA_URL},
    )
    if stamp.token:
        return stamp
    now = at or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        try:
            token = tsa_request(chain_hash=stamp.chain_hash, url=settings.SMGOV_TSA_URL)
        except TimestampError as error:
            ChainTimestamp.objects.filter(pk=stamp.pk).update(
                attempts=F("attempts") + 1, last_attempt_at=now, error=str(error)[:2000]
            )
            raise
    return _chain_timestamp_store(stamp=stamp, token=token, info=token_info(token), at=now)


@transaction.atomic
def _chain_timestamp_store(*, stamp: ChainTimestamp, token: bytes, info, at: datetime) -> ChainTimestamp:
    # Two workers that both got an answer keep the first token: a stored token is never replaced.
    ChainTimestamp.objects.filter(pk=stamp.pk, token__isnull=True).update(
        token=token,
        gen_time=info.gen_time,
        serial_number=info.serial_number,
        attempts=stamp.attempts + 1,
        last_attempt_at=at,
        error="",
    )
    # Earlier heads that never got a token are covered by this one: the chain runs through them.
    ChainTimestamp.objects.filter(
        account_id=stamp.account_id, seq__lt=stamp.seq, token__isnull=True
    ).delete()
    stamp.refresh_from_db()
    return stamp
