"""Blogs: a post's comments are read from its own comment feed or WordPress's site-wide one; a comment
feed that is gone is recorded on the run and shown, never taken for "no comments"."""

from pathlib import Path

import pytest
from django.urls import reverse

from archive.models import Record
from harvest.models import HarvestRun
from harvest.tasks import run_account

pytestmark = pytest.mark.usefixtures("media_root", "fast_retries")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rss"
OWN_FEED = "/2024/11/20/snorojningen-ar-i-full-gang/feed/"
POST = "https://www.norrvik.se/?p=4711"


@pytest.fixture
def blog(org, httpserver):
    feed = (FIXTURES / "feed.xml").read_bytes()
    feed = feed.replace(f"https://www.norrvik.se{OWN_FEED}".encode(), httpserver.url_for(OWN_FEED).encode())
    httpserver.expect_request("/feed/").respond_with_data(feed, content_type="application/rss+xml")
    account = org.account
    account.platform, account.api_base_url = "rss", httpserver.url_for("/feed/")
    account.save()
    return account


def test_a_comment_feed_that_is_gone_is_recorded_and_shown_not_silent(blog, httpserver, client, org):
    httpserver.expect_request(OWN_FEED).respond_with_data("Not Found", status=404)
    httpserver.expect_request("/comments/feed/").respond_with_data(
        (FIXTURES / "comments_site.xml").read_bytes(), content_type="application/atom+xml"
    )

    assert run_account.apply(args=[blog.pk]).result == "succeeded"

    run = HarvestRun.objects.get(account=blog)
    assert any(OWN_FEED in warning and "404" in warning for warning in run.warnings)
    post = Record.objects.get(platform_id=POST)
    assert post.deleted_on_platform_at is None and post.missing_since is None  # the post is there
    client.force_login(org.alice)
    page = client.get(reverse("accounts:detail", args=[blog.pk])).content.decode()
    assert OWN_FEED in page  # the account page says which comments were not read
