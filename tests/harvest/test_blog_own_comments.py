"""F14, N18: a blog's comment feed has no account ids; the municipality's own comments are known by the
names the account signs them with, so they open no inbox case and are not counted as questions from
the public. A real local HTTP server serves the recorded WordPress feeds (tests/fixtures/rss/)."""

from datetime import date
from pathlib import Path

import pytest

from accounts import services as accounts_services
from archive.models import Record
from harvest import services
from moderation.models import Case
from reports.periods import Period
from reports.selectors import Scope, total_figures

pytestmark = pytest.mark.usefixtures("media_root")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rss"
COMMENT_FEED = "/2024/11/20/snorojningen-ar-i-full-gang/feed/"
OWN = "https://www.norrvik.se/?p=4711#comment-813"
PUBLIC = {"https://www.norrvik.se/?p=4711#comment-812", "https://www.norrvik.se/?p=4711#comment-815"}


@pytest.fixture
def blog(org, httpserver):
    feed = (FIXTURES / "feed.xml").read_bytes()
    feed = feed.replace(
        f"https://www.norrvik.se{COMMENT_FEED}".encode(), httpserver.url_for(COMMENT_FEED).encode()
    )
    rss = "application/rss+xml; charset=UTF-8"
    httpserver.expect_request("/feed/").respond_with_data(feed, content_type=rss)
    httpserver.expect_request(COMMENT_FEED).respond_with_data(
        (FIXTURES / "comments_4711_own_reply.xml").read_bytes(), content_type=rss
    )
    httpserver.expect_request("/comments/feed/").respond_with_data(
        (FIXTURES / "comments_site.xml").read_bytes(), content_type="application/atom+xml; charset=UTF-8"
    )
    account = org.account
    account.platform, account.api_base_url = "rss", httpserver.url_for("/feed/")
    account.save()
    return account


def test_f14_the_municipalitys_own_blog_comments_open_no_case_and_are_no_questions(blog, org, settings):
    settings.HARVEST_REPOLL_DAYS = 10_000  # the recorded posts are from 2024
    accounts_services.account_update(
        actor=org.alice, account=blog, own_author_names="Norrviks  KOMMUN\nLena Berg"
    )

    run = services.harvest_account(account_id=blog.pk)

    assert run.status == "succeeded", run.error
    records = {r.platform_id: r for r in Record.objects.filter(account=blog)}
    assert records[OWN].is_own and records[OWN].author_name == "Norrviks kommun"
    assert not any(records[pid].is_own for pid in PUBLIC)
    assert set(Case.objects.filter(account=blog).values_list("record__platform_id", flat=True)) == PUBLIC
    figures = total_figures(period=Period(date(2024, 11, 1), date(2024, 11, 30)), scope=Scope())
    assert (figures.comments, figures.questions) == (3, 2)


def test_f14_without_author_names_every_blog_comment_is_the_publics(blog, settings):
    settings.HARVEST_REPOLL_DAYS = 10_000

    services.harvest_account(account_id=blog.pk)

    assert not Record.objects.get(platform_id=OWN).is_own
    assert Case.objects.filter(account=blog).count() == 3
