"""Comments arrive the way the harvest brings them: through the archive's ingest, then case_open."""

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from archive.models import RecordKind
from archive.services import IncomingItem, record_ingest
from moderation.services import case_open
from tests.harvest.conftest import ACCOUNT_ID as OWN_ACCOUNT_ID
from tests.harvest.conftest import FIXTURES

_ids = itertools.count(1)
PUBLISHED = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def ingest_post(account, *, text="Nu börjar vinterns snöröjning.", platform_id=None, published_at=PUBLISHED):
    return record_ingest(
        account=account,
        item=IncomingItem(
            platform_id=platform_id or f"post-{next(_ids)}",
            kind=RecordKind.POST,
            is_own=True,
            published_at=published_at,
            text=text,
            author_name=account.display_name,
            permalink=f"https://social.example/@kommun/{next(_ids)}",
        ),
    ).record


def ingest_comment(
    account,
    *,
    text="När plogas skolans parkering?",
    post=None,
    platform_id=None,
    published_at=None,
    kind=RecordKind.COMMENT,
    is_own=False,
    media=None,
    text_format="plain",
    author_name="Eva Invånare",
    permalink=None,
):
    post = post or ingest_post(account)
    record = record_ingest(
        account=account,
        item=IncomingItem(
            platform_id=platform_id or f"comment-{next(_ids)}",
            kind=kind,
            is_own=is_own,
            parent_platform_id=post.platform_id,
            thread_platform_id=post.platform_id,
            published_at=published_at or post.published_at + timedelta(minutes=30),
            text=text,
            text_format=text_format,
            author_name=author_name,
            media=media or [],
            permalink=permalink or f"https://social.example/@eva/{next(_ids)}",
        ),
    ).record
    return record


def open_case(account, **kwargs):
    return case_open(record=ingest_comment(account, **kwargs))


@pytest.fixture
def case(org):
    return open_case(org.account)


def posted_status(status_id: str, *, in_reply_to: str) -> dict:
    """Mastodon's answer to a posted reply (the recorded one), as the status with this id."""
    status = json.loads((FIXTURES / "mastodon" / "posted_reply.json").read_text("utf-8"))
    assert status["account"]["id"] == OWN_ACCOUNT_ID
    return {**status, "id": status_id, "in_reply_to_id": in_reply_to}
