"""Real-time intake through real processes: a webhook posted over HTTP to the live server and a
stream worker (`manage.py streams`) reading a local Jetstream, both ingested by a real Celery worker
into the archive."""

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from archive import services as archive_services
from archive.models import Record
from archive.services import IncomingItem
from harvest.models import Delivery, StreamCursor
from moderation.models import Case
from tests.harvest.streaming import ReplayServer
from tests.worker import ROOT, worker_environment

pytestmark = pytest.mark.worker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SECRET = "test-app-secret-0123456789"


def wait_for(condition, timeout: float = 90) -> bool:
    """Wait for another process to have done something (not a measurement: a guard)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_n20_a_signed_webhook_posted_over_http_reaches_the_archive_through_the_worker(
    celery_worker, transactional_db, org, live_server, settings
):
    settings.META_APP_SECRET = SECRET
    account = org.account
    account.platform, account.platform_id = "facebook", "104512345678901"
    account.save()
    body = (FIXTURES / "facebook" / "webhook_feed_comment_add.json").read_bytes()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()

    response = requests.post(
        f"{live_server.url}/webhooks/meta/",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        timeout=30,
    )

    assert response.status_code == 200
    assert wait_for(lambda: Record.objects.filter(platform_id="912345678901234_1122334455660001").exists())
    record = Record.objects.get(platform_id="912345678901234_1122334455660001")
    assert record.published_at == datetime(2024, 11, 20, 8, 2, 44, tzinfo=UTC)
    assert Case.objects.filter(record=record).exists()
    assert wait_for(lambda: Delivery.objects.get().processed_at is not None)


def test_n20_the_stream_worker_process_brings_a_bluesky_reply_to_the_archive_and_stops_cleanly(
    celery_worker, transactional_db, org, httpserver
):
    did = "did:plc:n7rvkkommun4x2abcd5efgh6"
    root = f"at://{did}/app.bsky.feed.post/3lbhsnow2k2s"
    erik = "at://did:plc:erik9nils2abc/app.bsky.feed.post/3lbherik1ccc"
    account = org.account
    account.platform, account.platform_id, account.handle = "bluesky", did, "norrvik.se"
    account.api_base_url = httpserver.url_for("/")
    account.save()
    archive_services.record_ingest(
        account=account,
        item=IncomingItem(
            platform_id=root,
            kind="post",
            published_at=datetime(2024, 11, 20, 6, 30, tzinfo=UTC),
            text="Snöröjningen pågår i hela kommunen.",
            is_own=True,
        ),
    )
    httpserver.expect_request("/xrpc/app.bsky.feed.getPosts").respond_with_data(
        (FIXTURES / "bluesky" / "get_posts.json").read_bytes(), content_type="application/json"
    )
    frames = (FIXTURES / "bluesky" / "jetstream_frames.jsonl").read_text("utf-8").splitlines()[:4]

    with ReplayServer(lambda number, path: (frames, False)) as server:
        env = {
            **worker_environment(),
            "STREAMS_JETSTREAM_URL": f"{server.url}/subscribe",
            "STREAMS_MASTODON": "false",
        }
        process = subprocess.Popen(
            [sys.executable, "manage.py", "streams"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            assert wait_for(lambda: Record.objects.filter(platform_id=erik).exists())
        finally:
            os.kill(process.pid, signal.SIGTERM)
            output, _ = process.communicate(timeout=60)

    assert process.returncode == 0, output.decode()
    record = Record.objects.get(platform_id=erik)
    assert record.author_handle == "erikn.bsky.social"
    assert record.thread_platform_id == root
    assert Case.objects.filter(record=record).exists()
    position = StreamCursor.objects.get(name="jetstream").position
    assert int(position) >= json.loads(frames[2])["time_us"]
