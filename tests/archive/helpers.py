"""Records for the archive tests, ingested the way harvest ingests them."""

import itertools
from datetime import UTC, datetime, timedelta

from archive.models import RecordKind
from archive.services import IncomingItem, record_ingest

_ids = itertools.count(1)
BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ingest(account, text: str, *, kind=RecordKind.POST, when=None, thread=None, **fields):
    number = next(_ids)
    platform_id = fields.pop("platform_id", f"r{number}")
    item = IncomingItem(
        platform_id=platform_id,
        kind=kind,
        is_own=kind == RecordKind.POST,
        published_at=when or BASE + timedelta(minutes=number),
        text=text,
        thread_platform_id=thread.platform_id if thread else "",
        parent_platform_id=thread.platform_id if thread else "",
        author_name=fields.pop(
            "author_name", "Exempelby kommun" if kind == RecordKind.POST else "Eva Invånare"
        ),
        raw=fields.pop("raw", {"id": platform_id, "text": text}),
        **fields,
    )
    return record_ingest(account=account, item=item).record
