"""One harvest run per platform against a real local HTTP server serving recorded payloads: every
reply ends up archived under its parent, and the platform is asked each thing once per run."""

import json
from collections import Counter
from pathlib import Path

import pytest
from werkzeug import Request, Response

from archive.models import Record
from harvest import services

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GRAPH = "https://graph.facebook.com/v21.0"
PAGE_ID = "104512345678901"
FB_POST = f"{PAGE_ID}_912345678901234"
IG_ID = "17841401234567890"
IG_MEDIA = "18045678901234567"
CHANNEL = "UCn0rrv1kK0mmunXyZ12abCd"
VIDEO = "dQw4w9WgXcQ"
THREAD = "UgzAnnaSnoRojning1AaABAg"
DID = "did:plc:n7rvkkommun4x2abcd5efgh6"
BSKY_ROOT = f"at://{DID}/app.bsky.feed.post/3lbhsnow2k2s"


@pytest.fixture(autouse=True)
def harvest_settings(settings):
    settings.HARVEST_REPOLL_DAYS = 10_000  # the recorded posts are from 2024
    settings.HARVEST_DOWNLOAD_MEDIA = False  # the recorded media addresses are the platforms' own


class RecordedPlatform:
    """Answers with recorded payloads chosen by ``route(request)``; counts every request by path and
    query, so a test sees what was asked twice."""

    def __init__(self, httpserver, platform, route):
        self.platform, self.route = platform, route
        self.base = httpserver.url_for("").rstrip("/")
        self.asked: Counter[tuple[str, str]] = Counter()
        self.extra_headers: dict[str, str] = {}
        httpserver.expect_request(_anything()).respond_with_handler(self.handle)

    def load(self, name):
        text = (FIXTURES / self.platform / name).read_text("utf-8")
        return json.loads(text.replace(GRAPH, self.base + "/v21.0"))

    def handle(self, request: Request) -> Response:
        self.asked[
            (request.path, "&".join(sorted(f"{k}={v}" for k, v in request.args.items(multi=True))))
        ] += 1
        answer = self.route(self, request)
        payload, status = answer if isinstance(answer, tuple) else (answer, 200)
        body = payload if isinstance(payload, dict | list) else self.load(payload)
        return Response(
            json.dumps(body), status=status, headers=self.extra_headers, content_type="application/json"
        )

    def twice(self):
        return {key: n for key, n in self.asked.items() if n > 1}


def _anything():
    import re

    return re.compile(".*")


def facebook(server, request):
    path, args = request.path, request.args
    if path == f"/v21.0/{PAGE_ID}":
        return "page.json"
    if path == f"/v21.0/{PAGE_ID}/posts":
        return "posts_page2.json" if "until" in args else "posts_page1.json"
    if path == f"/v21.0/{FB_POST}/comments":
        return "comments_page2.json" if "after" in args else "comments_page1.json"
    if path.endswith("/comments"):
        return {"data": []}
    return {
        "error": {"message": "Unsupported get request.", "type": "GraphMethodException", "code": 100}
    }, 400


def instagram(server, request):
    path, args = request.path, request.args
    if path == f"/v21.0/{IG_ID}":
        return "user.json"
    if path == f"/v21.0/{IG_ID}/media":
        return "media_page2.json" if "after" in args else "media_page1.json"
    if path == f"/v21.0/{IG_MEDIA}/comments":
        return "comments.json"
    if path.endswith("/comments"):
        return {"data": []}
    if path == "/v21.0/17900000000000001/replies":
        return "replies.json"
    if path.endswith("/replies"):
        return "replies_empty.json"
    return {
        "error": {"message": "Unsupported get request.", "type": "GraphMethodException", "code": 100}
    }, 400


def youtube(server, request):
    resource, args = request.path.rsplit("/", 1)[1], request.args
    if resource == "channels":
        return "channels.json"
    if resource == "playlistItems":
        return "playlist_items_page2.json" if "pageToken" in args else "playlist_items_page1.json"
    if resource == "commentThreads" and args["videoId"] == VIDEO:
        return "comment_threads_page2.json" if "pageToken" in args else "comment_threads_page1.json"
    if resource == "commentThreads":
        return "comments_empty.json"
    if resource == "comments" and args.get("parentId") == THREAD:
        return "comments_replies.json"
    return "error_video_not_found.json", 404


def instagram_replies_not_inlined(server, request):
    """A comments listing that shows a reply count for one comment and no replies edge for the other."""
    path, args = request.path, request.args
    if path == f"/v21.0/{IG_MEDIA}/comments":
        return "comments_replies_not_inlined.json"
    if path == "/v21.0/17900000000000011/replies":
        return (
            "replies_17900000000000011_page2.json"
            if "after" in args
            else "replies_17900000000000011_page1.json"
        )
    return instagram(server, request)


def bluesky(server, request):
    path, args = request.path, request.args
    if path == "/xrpc/app.bsky.actor.getProfile":
        return "profile.json"
    if path == "/xrpc/app.bsky.feed.getAuthorFeed":
        return "author_feed_page2.json" if "cursor" in args else "author_feed_page1.json"
    if path == "/xrpc/app.bsky.feed.getPostThread" and args["uri"] == BSKY_ROOT:
        return "post_thread.json"
    if path == "/xrpc/app.bsky.feed.getPostThread":
        feed = server.load("author_feed_page1.json")["feed"] + server.load("author_feed_page2.json")["feed"]
        post = next(entry["post"] for entry in feed if entry["post"]["uri"] == args["uri"])
        return {"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": post, "replies": []}}
    return "error_not_found.json", 400


PLATFORMS = {
    "facebook": (facebook, PAGE_ID, "/v21.0"),
    "instagram": (instagram, IG_ID, "/v21.0"),
    "youtube": (youtube, CHANNEL, "/youtube/v3"),
    "bluesky": (bluesky, DID, ""),
    "instagram-replies-not-inlined": (instagram_replies_not_inlined, IG_ID, "/v21.0"),
}


@pytest.fixture
def platform_account(org, httpserver, request):
    route, platform_id, prefix = PLATFORMS[request.param]
    platform = request.param.split("-")[0]
    server = RecordedPlatform(httpserver, platform, route)
    account = org.account
    account.platform, account.platform_id, account.handle = platform, platform_id, "norrvikskommun"
    account.api_base_url = server.base + prefix
    account.save()
    account.server = server
    return account


def harvest(account):
    return services.harvest_account(account_id=account.pk)


@pytest.mark.parametrize("platform_account", list(PLATFORMS), indirect=True)
def test_one_run_asks_the_platform_each_thing_once(platform_account):
    run = harvest(platform_account)

    assert (run.status, run.warnings) == ("succeeded", [])
    assert platform_account.server.twice() == {}
    assert run.items_new == Record.objects.filter(account=platform_account).count() > 0

    platform_account.server.asked.clear()
    run = harvest(platform_account)  # the next run, too, asks nothing twice
    assert run.status == "succeeded"
    assert platform_account.server.twice() == {}


@pytest.mark.parametrize(
    "platform_account, replies",
    [
        (
            "facebook",
            {"912345678901234_1122334455667799": "912345678901234_1122334455667788"},
        ),
        (
            "instagram",
            {
                "17900000000000002": "17900000000000001",
                "17900000000000003": "17900000000000001",
                "17900000000000005": "17900000000000001",  # only on the replies edge
            },
        ),
        (
            "instagram-replies-not-inlined",
            {
                "17900000000000013": "17900000000000011",
                "17900000000000014": "17900000000000011",
                "17900000000000015": "17900000000000011",  # the edge's second page
            },
        ),
        (
            "youtube",
            {
                f"{THREAD}.A1b2C3d4E5f": THREAD,
                f"{THREAD}.A1b2C3d4E6g": THREAD,
                f"{THREAD}.A1b2C3d4E7h": THREAD,  # beyond the replies the thread inlined
            },
        ),
    ],
    indirect=["platform_account"],
)
def test_replies_are_archived_with_their_parent_and_thread(platform_account, replies):
    harvest(platform_account)

    for reply_id, parent_id in replies.items():
        reply = Record.objects.select_related("parent", "thread").get(platform_id=reply_id)
        assert reply.kind == "reply"
        assert reply.parent.platform_id == parent_id
        assert reply.thread.kind == "post" and reply.thread == reply.parent.thread


@pytest.mark.parametrize("platform_account", ["instagram"], indirect=True)
def test_graph_usage_near_the_limit_defers_the_run_before_it_is_throttled(platform_account):
    from harvest.models import HarvestRun, HarvestState

    server = platform_account.server
    server.extra_headers["X-App-Usage"] = json.dumps(
        {"call_count": 97, "total_cputime": 10, "total_time": 12}
    )

    with pytest.raises(services.HarvestDeferred) as e:
        harvest(platform_account)

    assert 590 < e.value.retry_after <= 600
    run = HarvestRun.objects.get(account=platform_account)
    assert run.status == HarvestRun.Status.DEFERRED
    assert HarvestState.objects.get(account=platform_account).rate_limited_until is not None
    assert sum(server.asked.values()) == 1  # the profile; nothing after the answer said 97 %


def test_a_blog_run_reads_each_feed_once(org, httpserver):
    from collections import Counter

    own_feed = "/2024/11/20/snorojningen-ar-i-full-gang/feed/"
    rss = FIXTURES / "rss"
    feed = (rss / "feed.xml").read_bytes()
    feed = feed.replace(f"https://www.norrvik.se{own_feed}".encode(), httpserver.url_for(own_feed).encode())
    httpserver.expect_request("/feed/").respond_with_data(feed, content_type="application/rss+xml")
    httpserver.expect_request(own_feed).respond_with_data(
        (rss / "comments_4711.xml").read_bytes(), content_type="application/rss+xml"
    )
    httpserver.expect_request("/comments/feed/").respond_with_data(
        (rss / "comments_site.xml").read_bytes(), content_type="application/atom+xml"
    )
    account = org.account
    account.platform, account.api_base_url = "rss", httpserver.url_for("/feed/")
    account.save()

    run = harvest(account)

    assert (run.status, run.warnings) == ("succeeded", [])
    asked = Counter(request.path for request, _response in httpserver.log)
    # the feed (not again for each post's comments), the post's own comment feed, the site-wide one
    assert asked == {"/feed/": 1, own_feed: 1, "/comments/feed/": 1}
    assert Record.objects.filter(account=account, kind="post").count() == 2


def test_a_mastodon_run_asks_each_thing_once(mastodon_account, mastodon):
    from .conftest import ACCOUNT_ID

    run = harvest(mastodon_account)

    assert (run.status, run.warnings) == ("succeeded", [])
    statuses = f"/api/v1/accounts/{ACCOUNT_ID}/statuses"
    assert {path: n for path, n in mastodon.hits.items() if n > 1} == {statuses: 2}  # its two pages
    assert len(mastodon.hits) == 7  # the account, its statuses, three threads and two edit histories
