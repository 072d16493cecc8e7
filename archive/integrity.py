"""Integrity of the archive: an append-only hash chain per account, and its verification.

Every new version, removal, purge and disposal of a record appends one link to its account's
chain: ``hash = sha256(canonical [account, seq, kind, platform, platform id, version, payload
hash, previous hash, time])``. Writers lock the account's `ChainHead` row, so two concurrent
writers cannot both append after the same link. The database refuses to change or delete a
link, and refuses to change a record's content or delete a version unless the writing service
has declared, for its own transaction, which kind of write it is (see `archive_write`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone

from .bulk import insert_rows
from .hashing import canonical_json, sha256_hex, version_hash
from .models import ChainEntry, ChainHead, ChainTimestamp, Record, RecordVersion

GENESIS = "0" * 64
WRITE_KINDS = ("version", "purge", "dispose")


@contextmanager
def archive_write(kind: str) -> Iterator[None]:
    """Allow, for the statements inside, the database-guarded writes of one kind.

    The setting is transaction-local (`set_config(..., true)`) and reset on leaving, so a
    later statement of the same transaction is guarded again.
    """
    if kind not in WRITE_KINDS:
        raise ValueError(kind)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('smgov.allow_archive_write', %s, true)", [kind])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('smgov.allow_archive_write', '', true)")


def link_hash(
    *,
    account_id: int,
    seq: int,
    kind: str,
    platform: str,
    platform_id: str,
    version_number: int | None,
    payload_sha256: str,
    prev_hash: str,
    at: datetime,
) -> str:
    return sha256_hex(
        canonical_json(
            [
                account_id,
                seq,
                kind,
                platform,
                platform_id,
                version_number,
                payload_sha256,
                prev_hash,
                at.astimezone(UTC).isoformat(timespec="microseconds"),
            ]
        )
    )


@dataclass(frozen=True)
class Link:
    """What one new link of a chain says; its place and hashes are given by `chain_extend`."""

    kind: str
    platform: str
    platform_id: str
    payload_sha256: str
    at: datetime
    record_id: int | None = None
    version_number: int | None = None


_LINK_FIELDS = (
    "account", "seq", "kind", "record_id_at_entry", "platform", "platform_id", "version_number",
    "payload_sha256", "prev_hash", "hash", "at",
)  # fmt: skip


def chain_extend(*, account_id: int, links: list[Link]) -> tuple[int, str] | None:
    """Append links, in order, to the account's chain under one lock of its head: three statements
    however many links. Call inside the writing transaction.

    The head is created if missing and locked in the same statement (an upsert locks the row it
    meets, waiting for a writer that holds it, and sees that writer's committed link), so two
    writers can never both append after the same link. Returns the new head (seq, hash)."""
    if not links:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO archive_chainhead (account_id, seq, hash) VALUES (%s, 0, %s) "
            "ON CONFLICT (account_id) DO UPDATE SET seq = archive_chainhead.seq RETURNING seq, hash",
            [account_id, GENESIS],
        )
        seq, prev = cursor.fetchone()
    rows = []
    for link in links:
        seq += 1
        digest = link_hash(
            account_id=account_id,
            seq=seq,
            kind=link.kind,
            platform=link.platform,
            platform_id=link.platform_id,
            version_number=link.version_number,
            payload_sha256=link.payload_sha256,
            prev_hash=prev,
            at=link.at,
        )
        rows.append(
            (
                account_id, seq, link.kind, link.record_id, link.platform, link.platform_id,
                link.version_number, link.payload_sha256, prev, digest, link.at,
            )
        )  # fmt: skip
        prev = digest
    insert_rows(ChainEntry, _LINK_FIELDS, rows)
    ChainHead.objects.filter(account_id=account_id).update(seq=seq, hash=prev)
    return seq, prev


def chain_append(
    *,
    account_id: int,
    kind: str,
    platform: str,
    platform_id: str,
    payload_sha256: str,
    record_id: int | None = None,
    version_number: int | None = None,
    at: datetime | None = None,
) -> tuple[int, str]:
    """Append one link to the account's chain. Call inside the writing transaction."""
    link = Link(
        kind=kind,
        platform=platform,
        platform_id=platform_id,
        payload_sha256=payload_sha256,
        at=at or timezone.now(),
        record_id=record_id,
        version_number=version_number,
    )
    return chain_extend(account_id=account_id, links=[link])


def timestamp_problem(stamp: ChainTimestamp, link_hash_at_seq: str | None) -> str:
    """What is wrong with a stored timestamp, given the hash the chain has at the link it names."""
    from .timestamps import TimestampError, token_verify

    where = f"the timestamp of link {stamp.seq} of account {stamp.account_id}"
    if link_hash_at_seq is None:
        return f"{where} names a link the chain does not have"
    if link_hash_at_seq != stamp.chain_hash:
        return f"{where} was made over another chain than the one stored"
    try:
        info = token_verify(token=bytes(stamp.token), chain_hash=link_hash_at_seq)
    except TimestampError as error:
        return f"{where} does not verify: {error}"
    if stamp.gen_time is not None and info.gen_time != stamp.gen_time:
        return f"{where} has another time than the token"
    return ""


@dataclass(frozen=True)
class Mismatch:
    what: str
    record_id: int | None
    platform: str
    platform_id: str
    detail: str

    def __str__(self):
        record = f"record {self.record_id} " if self.record_id else ""
        if not (record or self.platform):
            return f"{self.what}: {self.detail}"
        return f"{self.what}: {record}({self.platform} {self.platform_id}): {self.detail}"


@dataclass(frozen=True)
class VerifyReport:
    links: int
    versions: int
    records: int
    mismatch: Mismatch | None
    timestamps: int = 0

    @property
    def ok(self) -> bool:
        return self.mismatch is None


def verify_archive(*, account_ids: list[int] | None = None) -> VerifyReport:
    """Recompute every chain link and every version hash, and check every RFC 3161 timestamp of a
    chain head; stop at the first that does not match."""
    links = versions = records = 0
    entries = ChainEntry.objects.order_by("account_id", "seq")
    heads = ChainHead.objects.all()
    stamps = ChainTimestamp.objects.filter(token__isnull=False).order_by("account_id", "seq")
    if account_ids is not None:
        entries = entries.filter(account_id__in=account_ids)
        heads = heads.filter(account_id__in=account_ids)
        stamps = stamps.filter(account_id__in=account_ids)
    stamped = {(account, seq): None for account, seq in stamps.values_list("account_id", "seq")}
    version_hashes = {}
    account_id, prev, expected_seq = None, GENESIS, 1
    for entry in entries.iterator(chunk_size=5000):
        if entry.account_id != account_id:
            account_id, prev, expected_seq = entry.account_id, GENESIS, 1
        recomputed = link_hash(
            account_id=entry.account_id,
            seq=entry.seq,
            kind=entry.kind,
            platform=entry.platform,
            platform_id=entry.platform_id,
            version_number=entry.version_number,
            payload_sha256=entry.payload_sha256,
            prev_hash=entry.prev_hash,
            at=entry.at,
        )
        problem = None
        if entry.seq != expected_seq:
            problem = f"link {expected_seq} of account {entry.account_id} is missing"
        elif entry.prev_hash != prev:
            problem = f"link {entry.seq} of account {entry.account_id} does not follow the one before"
        elif recomputed != entry.hash:
            problem = f"link {entry.seq} of account {entry.account_id} has been altered"
        if problem:
            return VerifyReport(
                links,
                versions,
                records,
                Mismatch("chain", entry.record_id_at_entry, entry.platform, entry.platform_id, problem),
            )
        if (entry.account_id, entry.seq) in stamped:
            stamped[(entry.account_id, entry.seq)] = entry.hash
        if entry.kind == ChainEntry.Kind.VERSION:
            version_hashes[(entry.platform, entry.platform_id, entry.version_number)] = entry.payload_sha256
        prev, expected_seq = entry.hash, entry.seq + 1
        links += 1
    for head in heads:
        last = ChainEntry.objects.filter(account_id=head.account_id).order_by("-seq").first()
        if (last.seq, last.hash) != (head.seq, head.hash) if last else head.seq != 0:
            return VerifyReport(
                links,
                versions,
                records,
                Mismatch("chain", None, "", "", f"the chain of account {head.account_id} was cut short"),
            )
    timestamps = 0
    for stamp in stamps.iterator(chunk_size=500):
        problem = timestamp_problem(stamp, stamped[(stamp.account_id, stamp.seq)])
        if problem:
            return VerifyReport(links, versions, records, Mismatch("timestamp", None, "", "", problem), timestamps)
        timestamps += 1

    versions_qs = RecordVersion.objects.select_related(None).order_by("record_id", "number")
    fields = ("record_id", "number", "text", "raw_canonical", "raw_sha256", "sha256")
    records_qs = Record.objects.order_by("pk").values_list(
        "pk", "platform", "platform_id", "account_id", "purged_at", "content_sha256", "version_count"
    )
    if account_ids is not None:
        versions_qs = versions_qs.filter(record__account_id__in=account_ids)
        records_qs = records_qs.filter(account_id__in=account_ids)
    record_rows = {row[0]: row for row in records_qs.iterator(chunk_size=5000)}
    latest: dict[int, str] = {}
    for record_id, number, text, raw_canonical, raw_sha256, sha256 in versions_qs.values_list(
        *fields
    ).iterator(chunk_size=5000):
        pk, platform, platform_id, _account, purged_at, _content, _count = record_rows[record_id]
        problem = None
        if purged_at is None:
            if raw_canonical and sha256_hex(raw_canonical) != raw_sha256:
                problem = f"the raw payload of version {number} does not match its hash"
            elif (
                version_hash(
                    platform=platform,
                    platform_id=platform_id,
                    number=number,
                    text=text,
                    raw_sha256=raw_sha256,
                )
                != sha256
            ):
                problem = f"the text of version {number} does not match its hash"
        chained = version_hashes.get((platform, platform_id, number))
        if problem is None and chained is None:
            problem = f"version {number} is not in the hash chain"
        elif problem is None and chained != sha256:
            problem = f"version {number} differs from the hash chain"
        if problem:
            return VerifyReport(
                links, versions, records, Mismatch("version", pk, platform, platform_id, problem), timestamps
            )
        latest[record_id] = sha256
        versions += 1
    for pk, platform, platform_id, _account, _purged, content_sha256, _count in record_rows.values():
        if latest.get(pk) != content_sha256:
            return VerifyReport(
                links,
                versions,
                records,
                Mismatch("record", pk, platform, platform_id, "the record's hash is not its last version's"),
                timestamps,
            )
        records += 1
    return VerifyReport(links, versions, records, None, timestamps)
