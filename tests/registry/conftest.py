"""Threads of records for the diary tests, made through the archive's own ingest."""

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from archive.models import RecordKind
from archive.services import IncomingItem, record_ingest

_ids = count(1)
JUNE = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def make_post(
    account, *, text="Nu startar vi ombyggnaden av Storgatan.", at=JUNE, is_own=True, text_format="plain"
):
    pid = f"p{next(_ids)}"
    item = IncomingItem(
        platform_id=pid,
        kind=RecordKind.POST,
        is_own=is_own,
        published_at=at,
        text=text,
        text_format=text_format,
        author_name="Exempelby kommun" if is_own else "Eva Invånare",
        raw={"id": pid, "content": text},
    )
    return record_ingest(account=account, item=item).record


def make_comment(
    account, post, *, text="Varför stängs gatan i sommar?", at=None, is_own=False, kind=RecordKind.COMMENT
):
    pid = f"c{next(_ids)}"
    at = at or post.published_at + timedelta(minutes=next(_ids))
    item = IncomingItem(
        platform_id=pid,
        kind=kind,
        is_own=is_own,
        parent_platform_id=post.platform_id,
        thread_platform_id=post.platform_id,
        published_at=at,
        text=text,
        author_name="Exempelby kommun" if is_own else "Eva Invånare",
        raw={"id": pid, "content": text},
    )
    return record_ingest(account=account, item=item).record


def make_thread(account, *, comments=2, text="Nu startar vi ombyggnaden av Storgatan.", at=JUNE):
    post = make_post(account, text=text, at=at)
    replies = [
        make_comment(account, post, text=f"Kommentar {n} om Storgatan", at=at + timedelta(minutes=n + 1))
        for n in range(comments)
    ]
    return post, replies


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
