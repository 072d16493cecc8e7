import json
from datetime import UTC, datetime

import pytest

from platforms.base import CredentialsInvalid, ItemKind, NotFound, NotSupported, RateLimited, Upload
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


APP_PASSWORD = "abcd-efgh-ijkl-mnop"
PUBLISHED = f"at://{DID}/app.bsky.feed.post/3lbjulmarknad2"
OWN_FEED_QUERY = {"actor": DID, "limit": "30", "filter": "posts_no_replies"}
JULMARKNAD = "Välkommen till julmarknaden på Torget på lördag! Program: https://norrvik.se/julmarknad"


@pytest.fixture
def publisher(httpserver, fast_session):
    connector = BlueskyConnector(
        base_url=httpserver.url_for("/"),
        platform_id=DID,
        handle="norrvik.se",
        credentials={"app_password": APP_PASSWORD},
        session=fast_session,
    )
    connector.pds_url = httpserver.url_for("/")
    return connector


def test_publish_post_with_photos_their_descriptions_and_links(publisher, serve, httpserver, recorded):
    serve(FEED, "author_feed_page1.json", OWN_FEED_QUERY)  # not published yet
    for method, name in (
        ("server.createSession", "create_session.json"),
        ("repo.uploadBlob", "upload_blob.json"),
        ("repo.createRecord", "create_record.json"),
    ):
        httpserver.expect_request(f"/xrpc/com.atproto.{method}", method="POST").respond_with_data(
            recorded("bluesky", name), content_type="application/json"
        )
    serve("/xrpc/app.bsky.feed.getPosts", "get_posts_published.json", {"uris": PUBLISHED})
    photos = [
        Upload("torget.jpg", "image/jpeg", b"\xff\xd8 torget jpeg", "Marknadsstånd med julgranar på Torget"),
        Upload("tomte.png", "image/png", b"\x89PNG tomte", "Tomten delar ut pepparkakor"),
    ]

    published = publisher.publish_post(JULMARKNAD, media=photos, key="post-17")

    item = published.item
    assert (item.kind, item.is_own, item.platform_id) == (ItemKind.POST, True, PUBLISHED)
    assert item.permalink == "https://bsky.app/profile/norrvik.se/post/3lbjulmarknad2"
    assert item.media[0].alt_text == "Marknadsstånd med julgranar på Torget"
    requests = {
        request.path.rsplit(".", 1)[1]: request for request, _ in httpserver.log if request.method == "POST"
    }
    session = json.loads(requests["createSession"].data)
    assert session == {"identifier": DID, "password": APP_PASSWORD}
    uploads = [
        (r.headers["Content-Type"], r.data) for r, _ in httpserver.log if r.path.endswith("uploadBlob")
    ]
    assert uploads == [("image/jpeg", b"\xff\xd8 torget jpeg"), ("image/png", b"\x89PNG tomte")]
    assert all(
        r.headers["Authorization"]
        == f"Bearer {json.loads(recorded('bluesky', 'create_session.json'))['accessJwt']}"
        for r, _ in httpserver.log
        if r.path.endswith(("uploadBlob", "createRecord"))
    )
    created = json.loads(requests["createRecord"].data)
    assert (created["repo"], created["collection"]) == (DID, "app.bsky.feed.post")
    record = created["record"]
    assert record["text"] == JULMARKNAD
    assert [image["alt"] for image in record["embed"]["images"]] == [
        "Marknadsstånd med julgranar på Torget",
        "Tomten delar ut pepparkakor",
    ]
    assert record["embed"]["images"][0]["image"]["ref"] == {"$link": "bafkreigplogbilstorgatan2024"}
    # Offsets count UTF-8 bytes (å, ä and ö are two each), not characters.
    (facet,) = record["facets"]
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert JULMARKNAD.encode()[start:end] == b"https://norrvik.se/julmarknad"
    assert start != JULMARKNAD.index("https")
    assert facet["features"] == [
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://norrvik.se/julmarknad"}
    ]


def test_a_link_without_photos_becomes_a_card(publisher, serve, httpserver, recorded):
    serve(FEED, "author_feed_page1.json", OWN_FEED_QUERY)
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_data(
        recorded("bluesky", "create_session.json"), content_type="application/json"
    )
    httpserver.expect_request("/xrpc/com.atproto.repo.createRecord").respond_with_data(
        recorded("bluesky", "create_record.json"), content_type="application/json"
    )
    serve("/xrpc/app.bsky.feed.getPosts", "get_posts_empty.json", {"uris": PUBLISHED})  # not indexed yet

    published = publisher.publish_post(
        "Läs om vinterns snöröjning (https://norrvik.se/sno).", link="https://norrvik.se/sno"
    )

    record = json.loads(httpserver.log[2][0].data)["record"]
    assert record["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {"uri": "https://norrvik.se/sno", "title": "", "description": ""},
    }
    assert [f["features"][0]["uri"] for f in record["facets"]] == ["https://norrvik.se/sno"]
    # The AppView had not seen the post yet: what was written stands in until the harvest reads it.
    assert (published.item.platform_id, published.item.kind, published.item.is_own) == (
        PUBLISHED,
        ItemKind.POST,
        True,
    )
    assert published.item.text == "Läs om vinterns snöröjning (https://norrvik.se/sno)."


def test_a_post_already_published_is_found_not_posted_again(publisher, serve, httpserver):
    serve(FEED, "author_feed_published.json", OWN_FEED_QUERY)
    photo = Upload("torget.jpg", "image/jpeg", b"jpeg", "Marknadsstånd med julgranar på Torget")

    published = publisher.publish_post(JULMARKNAD.replace("! ", "!  "), media=[photo], key="post-17")

    assert published.item.platform_id == PUBLISHED and published.item.is_own
    assert [request.method for request, _ in httpserver.log] == ["GET"]  # no sign-in, nothing uploaded


def test_a_refused_app_password_is_a_credentials_error_without_the_password(
    publisher, serve, httpserver, recorded
):
    serve(FEED, "author_feed_page1.json", OWN_FEED_QUERY)
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_data(
        recorded("bluesky", "error_invalid_password.json"), status=401, content_type="application/json"
    )

    with pytest.raises(CredentialsInvalid) as refused:
        publisher.publish_post("Hej")

    assert APP_PASSWORD not in str(refused.value)
    assert "Invalid identifier or password" in str(refused.value)
    assert not any(r.path.endswith("createRecord") for r, _ in httpserver.log)


def test_publishing_needs_an_app_password(connector):
    assert connector.publishes_posts and connector.post_limit == 300
    with pytest.raises(NotSupported, match="app password"):
        connector.publish_post("Hej")
