"""Mastodon's streaming API: recorded frames (tests/fixtures/mastodon/streaming_frames.jsonl)
replayed by a local WebSocket server whose first connection breaks; the instance's REST API (where
the stream catches up on the gap, and which names the streaming address) is the local HTTP server
of tests/harvest/conftest.py."""

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from accounts.services import credential_set
from archive import services as archive_services
from archive.models import Record
from archive.services import IncomingItem
from harvest import intake, services, streams
from harvest.models import Delivery, HarvestRun, StreamCursor
from moderation.models import Case
from tests.harvest.conftest import POST_WITH_COMMENTS
from tests.harvest.streaming import ReplayServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mastodon"
FRAMES = (FIXTURES / "streaming_frames.jsonl").read_text("utf-8").splitlines()
TOKEN = "mastodon-user-token-0123"
ANNA_COMMENT = "113520100000000010"
ERIK_REPLY, LENA_REPLY, NOT_A_REPLY, LENA_TO_ANNA = (
    "113520200000000001",
    "113520200000000002",
    "113520200000000003",
    "113520200000000006",
)


def mastodon_streaming(number: int, path: str) -> tuple[list[str], bool]:
    if number == 1:
        return FRAMES[:1], True  # Erik's mention, then the connection breaks
    return FRAMES[1:], False


@pytest.fixture
def streaming_account(org, mastodon, mastodon_account):
    credential_set(actor=org.info, account=mastodon_account, name="access_token", secret=TOKEN)
    for platform_id, kind, parent in (
        (POST_WITH_COMMENTS, "post", ""),
        (ANNA_COMMENT, "comment", POST_WITH_COMMENTS),
    ):
        archive_services.record_ingest(
            account=mastodon_account,
            item=IncomingItem(
                platform_id=platform_id,
                kind=kind,
                published_at=datetime(2024, 11, 20, 7, 0, tzinfo=UTC),
                text=f"<p>{kind}</p>",
                is_own=kind == "post",
                parent_platform_id=parent,
                thread_platform_id=POST_WITH_COMMENTS,
            ),
        )
    return mastodon_account


def serve_rest(mastodon, server: ReplayServer) -> None:
    instance = {"domain": "mastodon.example", "configuration": {"urls": {"streaming": server.url}}}
    mastodon.overrides["/api/v2/instance"] = [mastodon.json(instance), mastodon.json(instance)]
    gap = json.loads((FIXTURES / "notifications_since_900001.json").read_text("utf-8"))
    mastodon.overrides["/api/v1/notifications"] = [mastodon.json(gap), mastodon.json([])]


def run_until(stream: streams.Stream, done) -> None:
    give_up = time.monotonic() + 60
    streams.run_stream(stream, stop=lambda: done() or time.monotonic() > give_up)


def ingest_new() -> None:
    for delivery in Delivery.objects.filter(processed_at__isnull=True).order_by("pk"):
        intake.delivery_ingest(delivery_id=delivery.pk)


def test_n20_replies_arrive_through_the_stream_and_the_gap_is_read_through_the_notifications(
    streaming_account, mastodon, httpserver
):
    with ReplayServer(mastodon_streaming) as server:
        serve_rest(mastodon, server)
        stream = streams.MastodonStream(streaming_account.pk)
        stream.first_wait = 0.05
        run_until(stream, lambda: stream.position == "900006")

    assert [path for path, _headers in server.requests] == ["/api/v1/streaming?stream=user:notification"] * 2
    assert all(headers["Authorization"] == f"Bearer {TOKEN}" for _path, headers in server.requests)
    catch_up = [r for r, _response in httpserver.log if r.path == "/api/v1/notifications"]
    assert [r.args["min_id"] for r in catch_up] == ["900001", "900002"]  # from the last one seen
    assert StreamCursor.objects.get(name=f"mastodon:{streaming_account.pk}").position == "900006"

    ingest_new()

    erik = Record.objects.get(platform_id=ERIK_REPLY)
    assert "När öppnar isbanan vid skolan?" in erik.text
    assert (erik.kind, erik.parent_platform_id, erik.thread_platform_id) == (
        "comment",
        POST_WITH_COMMENTS,
        POST_WITH_COMMENTS,
    )
    assert erik.published_at == datetime(2024, 11, 20, 9, 0, tzinfo=UTC)
    assert Case.objects.filter(record=erik).exists()
    lena = Record.objects.get(platform_id=LENA_REPLY)  # written while the stream was down
    assert "Sandas gångvägen till skolan?" in lena.text
    to_anna = Record.objects.get(platform_id=LENA_TO_ANNA)
    assert (to_anna.kind, to_anna.parent_platform_id, to_anna.thread_platform_id) == (
        "reply",
        ANNA_COMMENT,
        POST_WITH_COMMENTS,
    )
    assert not Record.objects.filter(platform_id=NOT_A_REPLY).exists()  # a mention outside our threads
    assert Record.objects.count() == 5


def test_a_restarted_mastodon_stream_does_not_store_what_it_had_seen(streaming_account, mastodon):
    with ReplayServer(mastodon_streaming) as server:
        serve_rest(mastodon, server)
        first = streams.MastodonStream(streaming_account.pk)
        first.first_wait = 0.05
        run_until(first, lambda: first.position == "900006")
        ingest_new()
        second = streams.MastodonStream(streaming_account.pk)  # a new process
        second.handle(FRAMES[0])  # a server replaying an old frame after the restart
        second.handle(FRAMES[-1])

    assert second.position == "900006"
    assert Delivery.objects.filter(source=Delivery.Source.MASTODON_STREAM).count() == 3
    assert Record.objects.filter(platform_id=ERIK_REPLY).count() == 1


def test_only_mastodon_accounts_with_a_token_get_a_stream(org, mastodon_account):
    assert [s.name for s in streams.streams_configured()] == []

    credential_set(actor=org.info, account=mastodon_account, name="access_token", secret=TOKEN)

    assert [s.name for s in streams.streams_configured()] == [f"mastodon:{mastodon_account.pk}"]


def test_the_scheduled_harvest_finds_the_streamed_replies_and_adds_no_second_record(
    streaming_account, mastodon
):
    with ReplayServer(mastodon_streaming) as server:
        serve_rest(mastodon, server)
        stream = streams.MastodonStream(streaming_account.pk)
        stream.first_wait = 0.05
        run_until(stream, lambda: stream.position == "900006")
    ingest_new()
    streamed = [json.loads(json.loads(frame)["payload"])["status"] for frame in (FRAMES[0], FRAMES[-1])]
    mastodon.contexts[POST_WITH_COMMENTS]["descendants"].extend(streamed)

    run = services.harvest_account(account_id=streaming_account.pk)

    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    for platform_id in (ERIK_REPLY, LENA_TO_ANNA):
        assert Record.objects.filter(platform_id=platform_id).count() == 1
        assert Record.objects.get(platform_id=platform_id).version_count == 1
        assert Case.objects.filter(record__platform_id=platform_id).count() == 1
