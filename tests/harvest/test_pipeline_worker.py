"""The whole pipeline in a real Celery worker process, on the real Redis broker and the test database,
harvesting a Mastodon account from a real local HTTP server serving the recorded payloads."""

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.models import Record, SourceResponse
from harvest.models import HarvestRun, HarvestState
from harvest.tasks import reconcile_account, run_account
from moderation.models import Case

from .conftest import ACCOUNT_ID, MastodonServer

pytestmark = pytest.mark.worker

INCOMING = {"113520100000000010", "113520300000000012", "113520400000000013"}


@pytest.fixture
def account(transactional_db, org, httpserver, settings):
    mastodon = MastodonServer(httpserver)
    account = org.account
    account.platform, account.platform_id, account.handle = "mastodon", ACCOUNT_ID, "norrvikskommun"
    account.api_base_url = mastodon.base_url
    account.save()
    account.mastodon = mastodon
    return account


def test_n20_a_worker_harvests_into_the_archive_and_the_inbox(celery_worker, account):
    result = run_account.delay(account.pk)

    assert result.get(timeout=90) == "succeeded"
    records = {r.platform_id: r for r in Record.objects.filter(account=account)}
    assert len(records) == 7
    assert records["113520000000000003"].published_at == datetime(2024, 11, 20, 6, 45, 12, tzinfo=UTC)
    assert records["113520000000000003"].is_own  # drawn up when published
    assert records["113520100000000010"].published_at == datetime(2024, 11, 20, 7, 31, 5, tzinfo=UTC)
    assert not records["113520100000000010"].is_own  # received when published
    # a moderation case for each incoming comment, none for own posts and replies
    assert set(Case.objects.values_list("record__platform_id", flat=True)) == INCOMING
    # provenance: every record points at the stored response it was parsed from
    assert all(r.source_id for r in records.values())
    # the five pages, and the edit histories of the two statuses edited before we saw them (N20)
    assert SourceResponse.objects.filter(account=account).count() == 7
    run = HarvestRun.objects.get(account=account)
    assert (run.status, run.pages, run.items_new, run.followers) == ("succeeded", 5, 7, 2417)
    assert HarvestState.objects.get(account=account).last_success_at is not None


def test_a_rate_limited_run_waits_in_the_broker_then_resumes(celery_worker, account):
    mastodon = account.mastodon
    statuses = f"/api/v1/accounts/{ACCOUNT_ID}/statuses"
    mastodon.overrides[f"{statuses}#2"] = [
        mastodon.json({"error": "Too many requests"}, status=429, headers={"Retry-After": "3"})
    ]

    result = run_account.delay(account.pk)

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        runs = list(HarvestRun.objects.filter(account=account).order_by("started_at"))
        if runs and runs[-1].status == "succeeded":
            break
        time.sleep(0.3)
    assert [r.status for r in runs] == ["deferred", "succeeded"]
    assert (runs[1].started_at - runs[0].finished_at).total_seconds() >= 2.5  # it waited as told
    assert mastodon.hits[statuses] == 3  # page 1 once, page 2 twice: resumed from the cursor
    assert Record.objects.filter(account=account).count() == 7
    assert result.get(timeout=30) == "succeeded"


def test_n20_a_worker_harvests_a_blog_feed_and_a_second_run_asks_only_for_changes(
    celery_worker, transactional_db, org, httpserver
):
    """RSS: the posts of the feed and each post's comment feed, stored as published; the second run
    sends the feed's validators and an unchanged feed (304) adds nothing."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "rss"
    comment_feed = "/2024/11/20/snorojningen-ar-i-full-gang/feed/"
    feed = (
        (fixtures / "feed.xml")
        .read_bytes()
        .replace(f"https://www.norrvik.se{comment_feed}".encode(), httpserver.url_for(comment_feed).encode())
    )
    etag = '"feed-v1"'
    httpserver.expect_request("/feed/", headers={"If-None-Match": etag}).respond_with_data("", status=304)
    httpserver.expect_request("/feed/").respond_with_data(
        feed, headers={"ETag": etag}, content_type="application/rss+xml; charset=UTF-8"
    )
    httpserver.expect_request(comment_feed).respond_with_data(
        (fixtures / "comments_4711.xml").read_bytes(), content_type="application/rss+xml; charset=UTF-8"
    )
    httpserver.expect_request("/comments/feed/").respond_with_data(
        (fixtures / "comments_site.xml").read_bytes(), content_type="application/atom+xml; charset=UTF-8"
    )
    account = org.account
    account.platform, account.api_base_url = "rss", httpserver.url_for("/feed/")
    account.save()

    assert run_account.delay(account.pk).get(timeout=90) == "succeeded"

    records = {r.platform_id: r for r in Record.objects.filter(account=account)}
    post = records["https://www.norrvik.se/?p=4711"]
    assert post.is_own and post.text_format == "html"
    assert "<p>" in post.text  # the markup as published; the page cleans it when shown
    comments = {"https://www.norrvik.se/?p=4711#comment-812", "https://www.norrvik.se/?p=4711#comment-815"}
    assert comments <= set(records)
    assert all(records[c].thread_id == post.pk for c in comments)
    assert set(Case.objects.filter(account=account).values_list("record__platform_id", flat=True)) == comments
    stored = SourceResponse.objects.filter(account=account, url=httpserver.url_for("/feed/")).get()
    assert bytes(stored.body) == feed

    count = Record.objects.filter(account=account).count()
    assert run_account.delay(account.pk).get(timeout=90) == "succeeded"
    assert Record.objects.filter(account=account).count() == count
    feed_requests = [r for r, _response in httpserver.log if r.path == "/feed/"]
    assert feed_requests[-1].headers.get("If-None-Match") == etag


def test_n20_the_nightly_check_in_a_worker_finds_a_deleted_older_post(celery_worker, account):
    mastodon = account.mastodon
    assert run_account.delay(account.pk).get(timeout=90) == "succeeded"
    oldest = "113500000000000001"
    mastodon.statuses[1] = [s for s in mastodon.statuses[1] if s["id"] != oldest]

    assert reconcile_account.delay(account.pk).get(timeout=90) == "succeeded"

    assert Record.objects.get(platform_id=oldest).deleted_on_platform_at is not None
    run = HarvestRun.objects.get(account=account, trigger=HarvestRun.Trigger.RECONCILE)
    assert (run.items_deleted, run.items_changed) == (1, 0)
