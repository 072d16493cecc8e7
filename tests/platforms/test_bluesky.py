from datetime import UTC, datetime

import pytest

from platforms.base import ItemKind, NotFound, NotSupported, RateLimited
from platforms.bluesky import BlueskyConnector

DID = "did:plc:n7rvkkommun4x2abcd5efgh6"
ROOT = f"at://{DID}/app.bsky.feed.post/3lbhsnow2k2s"
FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
FEED_QUERY = {"actor": DID, "limit": "100", "filter": "posts_no_replies"}


@pytest.fixture
def connector(httpserver, fast_session):
    return BlueskyConnector(
        base_url=httpserver.url_for("/"), platform_id=DID, handle="norrvik.se", session=fast_session
    )


@pytest.fixture
def serve(httpserver, recorded):
    def serve(path, name, query=None, status=200, headers=None):
        httpserver.expect_request(path, query_string=query).respond_with_data(
            recorded("bluesky", name), status=status, headers=headers, content_type="application/json"
        )

    return serve


@pytest.fixture
def two_pages(serve):
    serve(FEED, "author_feed_page1.json", FEED_QUERY)
    serve(FEED, "author_feed_page2.json", {**FEED_QUERY, "cursor": "2024-11-18T12:00:00.000Z"})


def test_fetch_posts_pages_by_cursor_and_skips_reposts(connector, two_pages, recorded_json):
    pages = list(connector.fetch_posts())

    assert [[i.platform_id.rsplit("/", 1)[1] for i in p.items] for p in pages] == [
        ["3lbhsnow2k2s", "3lbcbibl3o4t"],
        ["3lazvader5s6"],
    ]
    assert pages[0].cursor == {"cursor": "2024-11-18T12:00:00.000Z"}
    assert pages[1].cursor is None
    post = pages[0].items[0]
    assert (post.kind, post.thread_id, post.parent_id, post.is_own) == (ItemKind.POST, ROOT, None, True)
    assert post.permalink == "https://bsky.app/profile/norrvik.se/post/3lbhsnow2k2s"
    assert post.text_format == "plain"
    assert post.author.platform_id == DID
    assert post.published_at == datetime(2024, 11, 20, 6, 45, 12, 204000, tzinfo=UTC)
    assert post.media[0].alt_text == "Plogbil på Storgatan i snöfall"
    assert post.raw == recorded_json("bluesky", "author_feed_page1.json")["feed"][0]["post"]
    assert pages[0].items[1].media[0].type == "link"
    video = pages[1].items[0]
    assert video.media[0].type == "video"
    assert video.published_at == datetime(2024, 11, 15, 8, 30, tzinfo=UTC)  # given in +01:00


def test_since_and_resume(connector, two_pages, httpserver):
    assert [
        len(p.items) for p in connector.fetch_posts(since=f"at://{DID}/app.bsky.feed.post/3lbcbibl3o4t")
    ] == [1]

    pages = list(connector.fetch_posts(cursor={"cursor": "2024-11-18T12:00:00.000Z"}))
    assert [i.platform_id.rsplit("/", 1)[1] for p in pages for i in p.items] == ["3lazvader5s6"]


def test_fetch_comments_walks_the_reply_tree(connector, serve, recorded_json):
    serve(
        "/xrpc/app.bsky.feed.getPostThread",
        "post_thread.json",
        {"uri": ROOT, "depth": "1000", "parentHeight": "0"},
    )

    [page] = connector.fetch_comments(ROOT)

    summary = [
        (i.platform_id.rsplit("/", 1)[1], i.kind, i.parent_id.rsplit("/", 1)[1], i.is_own) for i in page.items
    ]
    assert summary == [
        ("3lbhanna1aaa", ItemKind.COMMENT, "3lbhsnow2k2s", False),
        ("3lbhsvar1bbb", ItemKind.REPLY, "3lbhanna1aaa", True),
        ("3lbherik1ccc", ItemKind.REPLY, "3lbhsvar1bbb", False),
        ("3lbherik2ddd", ItemKind.COMMENT, "3lbhsnow2k2s", False),
    ]  # the deleted and the blocked reply are stubs without content, and are skipped
    assert {i.thread_id for i in page.items} == {ROOT}
    assert page.cursor is None
    assert page.items[2].author.name == "erikn.bsky.social"
    assert page.items[0].raw == recorded_json("bluesky", "post_thread.json")["thread"]["replies"][0]["post"]


def test_fetch_item(connector, serve):
    uri = "at://did:plc:erik9nils2abc/app.bsky.feed.post/3lbherik1ccc"
    serve("/xrpc/app.bsky.feed.getPosts", "get_posts.json", {"uris": uri})

    item = connector.fetch_item(uri)

    assert (item.kind, item.thread_id) == (ItemKind.REPLY, ROOT)


def test_fetch_item_of_a_deleted_post(connector, serve):
    serve("/xrpc/app.bsky.feed.getPosts", "get_posts_empty.json")

    with pytest.raises(NotFound):
        connector.fetch_item("at://did:plc:gone1/app.bsky.feed.post/3lbhgone1eee")


def test_thread_of_a_deleted_post(connector, serve):
    serve("/xrpc/app.bsky.feed.getPostThread", "error_not_found.json", status=400)

    with pytest.raises(NotFound, match="Post not found"):
        list(connector.fetch_comments("at://did:plc:gone1/app.bsky.feed.post/3lbhgone1eee"))


def test_rate_limit_waits_until_the_reset(connector, serve):
    reset = int(datetime.now(UTC).timestamp()) + 120
    serve(
        FEED,
        "error_rate_limit.json",
        status=429,
        headers={"ratelimit-reset": str(reset), "ratelimit-remaining": "0"},
    )

    with pytest.raises(RateLimited) as e:
        list(connector.fetch_posts())
    assert 110 < e.value.retry_after <= 120


def test_fetch_profile(connector, serve):
    serve("/xrpc/app.bsky.actor.getProfile", "profile.json", {"actor": DID})

    assert connector.fetch_profile().followers_count == 1289


def test_replying_and_hiding_are_not_supported(connector):
    assert not connector.can_reply and not connector.can_hide
    with pytest.raises(NotSupported):
        connector.publish_reply(ROOT, "Hej")
    with pytest.raises(NotSupported):
        connector.hide_comment(ROOT)


def test_a_used_up_window_stops_before_the_next_request(connector, serve, httpserver):
    reset = int(datetime.now(UTC).timestamp()) + 300
    serve(
        FEED,
        "author_feed_page1.json",
        FEED_QUERY,
        headers={"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)},
    )

    pages = connector.fetch_posts()
    first = next(pages)
    with pytest.raises(RateLimited) as e:
        next(pages)

    assert first.items  # the page already read is kept
    assert 290 < e.value.retry_after <= 300
    assert len(httpserver.log) == 1


def test_allowance_left_goes_on(connector, two_pages, httpserver):
    assert len(list(connector.fetch_posts())) == 2


def test_search_public_finds_posts_anywhere_as_nobodys_own(connector, serve):
    serve(
        "/xrpc/app.bsky.feed.searchPosts",
        "search_posts.json",
        {"q": "Forshagabron", "limit": "100", "sort": "latest"},
    )
    page = connector.search_public("Forshagabron")
    assert [(i.author.handle, i.kind, i.is_own) for i in page.items] == [
        ("lenaiforshaga.bsky.social", ItemKind.POST, False),
        ("dejeif.bsky.social", ItemKind.POST, False),
    ]
    assert page.items[0].permalink == "https://bsky.app/profile/lenaiforshaga.bsky.social/post/3lmonbro1aaa"
