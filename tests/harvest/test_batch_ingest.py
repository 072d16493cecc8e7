"""A page is stored as a set: the statements it takes do not grow with the number of its items, and
what it stores is what storing its items one by one stored."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.integrity import verify_archive
from archive.models import ChainEntry, Record
from harvest.models import HarvestRun, HarvestState
from harvest.services import _Run
from moderation.models import Case, CaseEvent, OlderItemFlag
from platforms.base import Author, Item, ItemKind, Page, Response
from platforms.mastodon import MastodonConnector

from .conftest import ACCOUNT_ID

POST = "113520000000000003"
PUBLISHED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def comment(n: int, text: str | None = None, *, parent: str = POST, kind=ItemKind.COMMENT) -> Item:
    platform_id = str(113_600_000_000_000_000 + n)
    text = text if text is not None else f"<p>Fråga {n}: när plogas Kyrkvägen? Bussen kom inte fram.</p>"
    return Item(
        kind=kind,
        platform_id=platform_id,
        parent_id=parent,
        thread_id=POST,
        author=Author(
            name=f"Invånare {n}", handle=f"invanare{n}@social.example", platform_id=str(300_000 + n)
        ),
        text=text,
        text_format="html",
        media=(),
        permalink=f"https://social.example/@invanare{n}/{platform_id}",
        published_at=PUBLISHED + timedelta(minutes=n),
        edited_at=None,
        raw={"id": platform_id, "content": text},
        is_own=False,
    )


def post() -> Item:
    text = "<p>Snöröjningen börjar i natt.</p>"
    return Item(
        kind=ItemKind.POST,
        platform_id=POST,
        parent_id=None,
        thread_id=POST,
        author=Author(name="Norrviks kommun", handle="norrvikskommun", platform_id=ACCOUNT_ID),
        text=text,
        text_format="html",
        media=(),
        permalink=f"https://social.example/@norrvikskommun/{POST}",
        published_at=PUBLISHED,
        edited_at=None,
        raw={"id": POST, "content": text},
        is_own=True,
    )


def page(items: list[Item]) -> Page:
    body = json.dumps({"descendants": [item.raw for item in items]}).encode()
    response = Response(
        url=f"https://social.example/api/v1/statuses/{POST}/context",
        method="GET",
        status=200,
        headers={"Content-Type": "application/json"},
        body=body,
        fetched_at=datetime.now(UTC),
        sha256=hashlib.sha256(body).hexdigest(),
    )
    return Page(response, items, None)


@pytest.fixture
def pipeline(org):
    account = org.account
    account.platform, account.platform_id = "mastodon", ACCOUNT_ID
    account.save()
    state = HarvestState.objects.create(account=account)
    run = HarvestRun.objects.create(account=account, started_at=datetime.now(UTC))
    connector = MastodonConnector(base_url="https://social.example", platform_id=ACCOUNT_ID)
    return _Run(account=account, state=state, run=run, connector=connector, full=False)


def statements(pipeline, items: list[Item]) -> int:
    with CaptureQueriesContext(connection) as queries:
        pipeline.store_page(page(items), lambda results: None)
    return len(queries.captured_queries)


def test_a_page_of_100_new_comments_takes_as_many_statements_as_a_page_of_10(pipeline):
    # The first page with comments also reads the flag rules (once per process while they stay the same).
    statements(pipeline, [post(), comment(0)])
    ten = statements(pipeline, [comment(n) for n in range(1, 11)])
    hundred = statements(pipeline, [comment(n) for n in range(11, 111)])

    assert hundred == ten
    assert ten <= 20
    assert Case.objects.count() == 111
    assert CaseEvent.objects.filter(action=CaseEvent.Action.OPENED).count() == 111
    assert (
        Record.objects.filter(kind="comment", parent__platform_id=POST, thread__platform_id=POST).count()
        == 111
    )
    assert ChainEntry.objects.count() == 112
    assert verify_archive().ok


def test_a_page_seen_again_takes_as_many_statements_for_100_items_as_for_10(pipeline):
    small, large = [comment(n) for n in range(10)], [comment(n) for n in range(10, 110)]
    statements(pipeline, small)
    statements(pipeline, large)

    assert statements(pipeline, large) == statements(pipeline, small)
    assert Record.objects.count() == 110 and Case.objects.count() == 110
    assert pipeline.run.items_new == 110 and pipeline.run.items_changed == 0


def test_f14_a_page_of_edited_comments_adds_versions_and_screens_them_again(pipeline):
    statements(pipeline, [comment(n) for n in range(20)])
    edited = [comment(n, "<p>Ring mig på 070-123 45 67</p>") if n % 2 else comment(n) for n in range(20)]

    statements(pipeline, edited)

    assert pipeline.run.items_changed == 10
    phone = Record.objects.get(platform_id=edited[1].platform_id)
    assert phone.version_count == 2 and list(phone.versions.values_list("number", flat=True)) == [1, 2]
    assert "flag:phone" in phone.labels and phone.case.has_personal_data
    assert Record.objects.get(platform_id=edited[0].platform_id).version_count == 1
    assert verify_archive().ok


def test_comments_arriving_before_their_post_on_the_same_page_are_linked_to_it(pipeline):
    reply = comment(2, parent=comment(1).platform_id, kind=ItemKind.REPLY)

    statements(pipeline, [reply, comment(1), post()])

    stored = {record.platform_id: record for record in Record.objects.all()}
    assert stored[POST].thread_id == stored[POST].pk
    assert stored[comment(1).platform_id].parent_id == stored[POST].pk
    assert stored[reply.platform_id].parent_id == stored[comment(1).platform_id].pk
    assert {record.thread_id for record in stored.values()} == {stored[POST].pk}


def test_an_item_named_twice_on_a_page_is_stored_as_if_one_by_one(pipeline):
    statements(pipeline, [comment(1), comment(1, "<p>Ändrad fråga.</p>"), comment(2)])

    twice = Record.objects.get(platform_id=comment(1).platform_id)
    assert twice.version_count == 2 and twice.text == "<p>Ändrad fråga.</p>"
    assert pipeline.run.items_new == 2 and pipeline.run.items_changed == 1
    assert Case.objects.count() == 2
    assert verify_archive().ok


def test_labels_of_a_new_comment_are_those_of_its_case_and_flags(pipeline):
    statements(pipeline, [comment(1), comment(2, "<p>Ring mig på 070-123 45 67</p>")])

    plain = Record.objects.get(platform_id=comment(1).platform_id)
    phone = Record.objects.get(platform_id=comment(2).platform_id)
    assert plain.labels == ["outcome:new"]
    assert set(phone.labels) == {"outcome:new", "flag:personal_data", "flag:phone"}


def test_n21_a_first_harvest_notes_a_page_of_100_older_comments_in_as_many_statements_as_10(org, settings):
    """The first harvest of an account in use before archives its history without cases, and keeps
    the personal data found in it (F14) for the communicators: a page at a time, not item by item."""
    settings.HARVEST_HISTORICAL_FACTOR = 3
    account = org.account
    account.platform, account.platform_id = "mastodon", ACCOUNT_ID
    account.save()
    state = HarvestState.objects.create(account=account)
    run = HarvestRun.objects.create(account=account, started_at=PUBLISHED + timedelta(days=30))
    connector = MastodonConnector(base_url="https://social.example", platform_id=ACCOUNT_ID)
    first = _Run(account=account, state=state, run=run, connector=connector, full=False)
    phone = "<p>Ring mig på 070-123 45 67, det gäller Kyrkvägen.</p>"
    statements(first, [post(), comment(0, phone)])

    ten = statements(first, [comment(n, phone) for n in range(1, 11)])
    hundred = statements(first, [comment(n, phone) for n in range(11, 111)])

    assert hundred == ten
    assert Case.objects.count() == 0
    assert OlderItemFlag.objects.filter(kind="phone").values("record").distinct().count() == 111
    assert verify_archive().ok
