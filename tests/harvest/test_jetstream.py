"""Bluesky's Jetstream: recorded frames (tests/fixtures/bluesky/jetstream_frames.jsonl) replayed by
a local WebSocket server that, like Jetstream, resumes inclusively from the `cursor` it is given;
the AppView the ingest reads replies from is a local HTTP server."""

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from archive import services as archive_services
from archive.models import Record
from archive.services import IncomingItem
from harvest import intake, streams
from harvest.models import Delivery, StreamCursor
from moderation.models import Case
from tests.harvest.streaming import ReplayServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DID = "did:plc:n7rvkkommun4x2abcd5efgh6"
ROOT = f"at://{DID}/app.bsky.feed.post/3lbhsnow2k2s"
ERIK = "at://did:plc:erik9nils2abc/app.bsky.feed.post/3lbherik1ccc"
LENA = "at://did:plc:lena4astrom7x/app.bsky.feed.post/3lbhlena1ddd"
MAJA = "at://did:plc:maja5berg3qq/app.bsky.feed.post/3lbhmaja1eee"
FRAMES = (FIXTURES / "bluesky" / "jetstream_frames.jsonl").read_text("utf-8").splitlines()
TIMES = [json.loads(frame)["time_us"] for frame in FRAMES]
DROP_AFTER = 4  # the first connection breaks after the fourth frame


def jetstream(number: int, path: str) -> tuple[list[str], bool]:
    """Jetstream's replay: every frame at or after the cursor (inclusive), oldest first."""
    cursor = int(parse_qs(urlsplit(path).query).get("cursor", ["0"])[0])
    frames = [frame for frame, time_us in zip(FRAMES, TIMES, strict=True) if time_us >= cursor]
    if number == 1:
        return frames[:DROP_AFTER], True
    return frames, False


@pytest.fixture
def bluesky_account(org, httpserver):
    account = org.account
    account.platform, account.platform_id, account.handle = "bluesky", DID, "norrvik.se"
    account.api_base_url = httpserver.url_for("/")
    account.save()
    archive_services.record_ingest(
        account=account,
        item=IncomingItem(
            platform_id=ROOT,
            kind="post",
            published_at=datetime(2024, 11, 20, 6, 30, tzinfo=UTC),
            text="Snöröjningen pågår i hela kommunen.",
            is_own=True,
            thread_platform_id=ROOT,
        ),
    )
    archive_services.record_ingest(
        account=account,
        item=IncomingItem(
            platform_id=LENA,
            kind="comment",
            published_at=datetime(2024, 11, 20, 7, 0, tzinfo=UTC),
            text="Bussen kom aldrig.",
            parent_platform_id=ROOT,
            thread_platform_id=ROOT,
        ),
    )
    getposts = "/xrpc/app.bsky.feed.getPosts"
    httpserver.expect_request(getposts, query_string={"uris": ERIK}).respond_with_data(
        (FIXTURES / "bluesky" / "get_posts.json").read_bytes(), content_type="application/json"
    )
    httpserver.expect_request(getposts).respond_with_data(
        (FIXTURES / "bluesky" / "get_posts_empty.json").read_bytes(), content_type="application/json"
    )
    return account


def run_until(stream: streams.Stream, done) -> None:
    """Run the stream in this thread until ``done()``; a guard ends a run that hangs."""
    give_up = time.monotonic() + 60
    streams.run_stream(stream, stop=lambda: done() or time.monotonic() > give_up)


def jetstream_stream(server: ReplayServer) -> streams.JetstreamStream:
    stream = streams.JetstreamStream(url=f"{server.url}/subscribe")
    stream.first_wait = 0.05
    return stream


def ingest_new() -> None:
    for delivery in Delivery.objects.filter(processed_at__isnull=True).order_by("pk"):
        intake.delivery_ingest(delivery_id=delivery.pk)


def test_n20_replies_and_deletions_arrive_through_jetstream_across_a_broken_connection(bluesky_account):
    with ReplayServer(jetstream) as server:
        stream = jetstream_stream(server)
        run_until(stream, lambda: stream.cursor == TIMES[-1])

    paths = [urlsplit(path) for path, _headers in server.requests]
    assert len(paths) == 2  # broken once, connected again
    assert parse_qs(paths[0].query) == {"wantedCollections": ["app.bsky.feed.post"]}
    assert parse_qs(paths[1].query)["cursor"] == [str(TIMES[DROP_AFTER - 1])]  # where it stood
    kept = Delivery.objects.filter(source=Delivery.Source.JETSTREAM).order_by("pk")
    assert [json.loads(bytes(d.body))["time_us"] for d in kept] == [TIMES[2], TIMES[4], TIMES[6]]
    assert bytes(kept[0].body) == FRAMES[2].encode()  # as received

    ingest_new()

    erik = Record.objects.get(platform_id=ERIK)
    assert erik.text == "Trottoaren vid skolan är fortfarande isig."
    assert erik.author_handle == "erikn.bsky.social"  # read from the AppView, as the harvest does
    assert (erik.kind, erik.thread_platform_id) == ("reply", ROOT)
    assert Case.objects.filter(record=erik).exists()
    maja = Record.objects.get(platform_id=MAJA)  # gone from the AppView: kept from the event itself
    assert maja.text == "Håller med, jag halkade där i morse."
    assert maja.author_platform_id == "did:plc:maja5berg3qq"
    assert (maja.parent_platform_id, maja.thread_platform_id) == (ERIK, ROOT)
    lena = Record.objects.get(platform_id=LENA)
    assert lena.deleted_on_platform_at == datetime(2024, 11, 20, 8, 15, 0, 5, tzinfo=UTC)
    assert lena.text == "Bussen kom aldrig."
    assert Record.objects.count() == 4  # nothing from the rest of the network


def test_a_restarted_stream_resumes_from_its_stored_cursor_and_stores_nothing_twice(bluesky_account):
    with ReplayServer(jetstream) as server:
        first = jetstream_stream(server)
        run_until(first, lambda: first.cursor == TIMES[2])  # the process stops after Erik's reply
        assert StreamCursor.objects.get(name="jetstream").position == str(TIMES[2])

        second = jetstream_stream(server)  # a new process: only the database remembers
        run_until(second, lambda: second.cursor == TIMES[-1])

    assert parse_qs(urlsplit(server.requests[1][0]).query)["cursor"] == [str(TIMES[2])]
    kept = Delivery.objects.filter(source=Delivery.Source.JETSTREAM)
    assert sorted(json.loads(bytes(d.body))["time_us"] for d in kept) == [TIMES[2], TIMES[4], TIMES[6]]
    ingest_new()
    ingest_new()
    assert Record.objects.filter(platform_id=ERIK).count() == 1
    assert Record.objects.get(platform_id=ERIK).version_count == 1
    assert StreamCursor.objects.get(name="jetstream").position == str(TIMES[-1])


def test_without_a_bluesky_account_no_jetstream_is_opened(org):
    assert [s.name for s in streams.streams_configured()] == []
