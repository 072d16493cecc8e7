import base64
import json
from datetime import UTC, datetime

import pytest

from platforms.base import CredentialsInvalid, ItemKind, MalformedResponse, NotFound, NotSupported, Upload
from platforms.rss import RSSConnector

COMMENT_FEED = "/2024/11/20/snorojningen-ar-i-full-gang/feed/"
POST_ID = "https://www.norrvik.se/?p=4711"
ATOM_POST = "tag:norrvik.se,2024:skolnytt/vaderstation"
ETAG = '"5f2c-62742a1c"'
MODIFIED = "Wed, 20 Nov 2024 07:02:40 GMT"


@pytest.fixture
def serve(httpserver, recorded):
    """Serve a recorded feed, with its link to the comments feed pointed at the local server."""

    def serve(path, name, headers=None, status=200):
        comment_feed = f"https://www.norrvik.se{COMMENT_FEED}".encode()
        body = recorded("rss", name).replace(comment_feed, httpserver.url_for(COMMENT_FEED).encode())
        httpserver.expect_request(path).respond_with_data(
            body, status=status, headers=headers, content_type="application/rss+xml; charset=UTF-8"
        )
        return body

    return serve


@pytest.fixture
def connector(httpserver, fast_session):
    return RSSConnector(base_url=httpserver.url_for("/feed/"), session=fast_session)


def test_fetch_posts_keeps_the_feed_as_published(connector, serve):
    body = serve("/feed/", "feed.xml", headers={"ETag": ETAG, "Last-Modified": MODIFIED})

    [page] = connector.fetch_posts()

    assert page.response.body == body
    assert page.cursor == {"etag": ETAG, "modified": MODIFIED}
    post, other = page.items
    assert (post.kind, post.platform_id, post.thread_id, post.is_own) == (
        ItemKind.POST,
        POST_ID,
        POST_ID,
        True,
    )
    assert post.text_format == "html"
    # Exactly as published: no sanitising, relative links left relative.
    assert post.text == (
        "<p>Huvudgator och busslinjer plogas först, sedan villagator. ❄️🚜</p>\n"
        '<p>Se <a href="/snorojning">snöröjningskartan</a>.</p><script>trackPageView("snö");</script>'
    )
    assert post.published_at == datetime(2024, 11, 20, 6, 45, 12, tzinfo=UTC)
    assert post.author.name == "Maria Lind"
    assert post.media[0].type == "image"
    assert post.permalink == "https://www.norrvik.se/2024/11/20/snorojningen-ar-i-full-gang/"
    assert json.loads(json.dumps(post.raw)) == post.raw  # plain JSON types only
    assert post.raw["published_parsed"] == "2024-11-20T06:45:12+00:00"
    assert other.edited_at is None


def test_unchanged_feed_yields_nothing(connector, httpserver):
    httpserver.expect_request(
        "/feed/", headers={"If-None-Match": ETAG, "If-Modified-Since": MODIFIED}
    ).respond_with_data("", status=304)

    assert list(connector.fetch_posts(cursor={"etag": ETAG, "modified": MODIFIED})) == []


def test_since_stops_at_the_newest_stored_entry(connector, serve):
    serve("/feed/", "feed.xml")

    [page] = connector.fetch_posts(since=POST_ID)

    assert page.items == []
    assert page.cursor is None  # the server sent no validators


def test_comments_from_the_posts_comment_feed(connector, serve):
    serve("/feed/", "feed.xml")
    serve(COMMENT_FEED, "comments_4711.xml")

    [page] = connector.fetch_comments(POST_ID)

    assert [(i.platform_id, i.kind, i.parent_id, i.is_own) for i in page.items] == [
        ("https://www.norrvik.se/?p=4711#comment-812", ItemKind.COMMENT, POST_ID, False),
        ("https://www.norrvik.se/?p=4711#comment-815", ItemKind.COMMENT, POST_ID, False),
    ]
    assert page.items[0].text == "<p>Varför är inte Storgatan plogad än? 😡</p>"
    assert page.items[0].author.name == "Anna Öberg"


def test_atom_comments_from_the_site_feed_by_thread(httpserver, serve, fast_session):
    serve("/atom.xml", "atom.xml")
    serve("/comments/feed/", "comments_site.xml")  # WordPress's site-wide comments feed
    connector = RSSConnector(base_url=httpserver.url_for("/atom.xml"), session=fast_session)

    [post] = next(connector.fetch_posts()).items
    [page] = connector.fetch_comments(ATOM_POST)

    assert post.edited_at == datetime(2024, 11, 16, 9, 0, tzinfo=UTC)
    assert post.author.platform_id == "https://skola.norrvik.se/bjorkskolan"
    assert [(i.kind, i.parent_id, i.text_format) for i in page.items] == [
        (ItemKind.COMMENT, ATOM_POST, "plain"),
        (ItemKind.REPLY, f"{ATOM_POST}/c1", "html"),
    ]  # the comment on another post is left out
    assert page.items[1].edited_at == datetime(2024, 11, 16, 8, 30, tzinfo=UTC)


def test_truncated_feed_is_malformed(connector, serve):
    serve("/feed/", "truncated.xml")

    with pytest.raises(MalformedResponse):
        list(connector.fetch_posts())


def test_a_web_page_is_not_a_feed(connector, httpserver):
    httpserver.expect_request("/feed/").respond_with_data(
        "<html><body>Välkommen!</body></html>", content_type="text/html"
    )

    with pytest.raises(MalformedResponse, match="not an RSS or Atom feed"):
        list(connector.fetch_posts())


def test_fetch_item(connector, serve):
    serve("/feed/", "feed.xml")

    assert connector.fetch_item(POST_ID).text.startswith("<p>Huvudgator")
    with pytest.raises(NotFound):
        connector.fetch_item("https://www.norrvik.se/?p=1")


def test_feeds_cannot_be_answered_or_moderated(connector):
    assert connector.fetch_profile().followers_count is None
    with pytest.raises(NotSupported):
        connector.publish_reply(POST_ID, "Hej")
    with pytest.raises(NotSupported):
        connector.hide_comment(POST_ID)


WP_USER = "maria.lind"
WP_PASSWORD = "abcd EFGH 1234 ijkl MNOP 6789"
WP = "/wp-json/wp/v2"
JULMARKNAD = "Julmarknad på Torget\nLördag 14 december kl. 11–16 fylls Torget av hantverk, glögg och tomtar."


@pytest.fixture
def blog(httpserver, fast_session, serve):
    serve("/feed/", "feed.xml")  # the site is where the feed says, or else the feed's own server
    return RSSConnector(
        base_url=httpserver.url_for("/feed/"),
        credentials={"wp_username": WP_USER, "wp_application_password": WP_PASSWORD},
        session=fast_session,
    )


def wordpress(httpserver, recorded, path, name, method="GET", status=200):
    basic = base64.b64encode(f"{WP_USER}:{WP_PASSWORD}".encode()).decode()
    httpserver.expect_request(
        f"{WP}/{path}", method=method, headers={"Authorization": f"Basic {basic}"}
    ).respond_with_data(recorded("rss", name), status=status, content_type="application/json; charset=UTF-8")


def test_publish_a_blog_post_through_wordpress(blog, httpserver, recorded):
    wordpress(httpserver, recorded, "posts", "wp_posts_edit.json")  # not published yet
    wordpress(httpserver, recorded, "media", "wp_media_created.json", "POST", 201)
    wordpress(httpserver, recorded, "posts", "wp_post_created.json", "POST", 201)
    photo = Upload("torget.jpg", "image/jpeg", b"\xff\xd8 torget", "Marknadsstånd med julgranar på Torget")

    published = blog.publish_post(JULMARKNAD, media=[photo], link="https://norrvik.se/julmarknad", key="p1")

    item = published.item
    # The post's id is its guid, the id its feed entry will have when the harvest reads it.
    assert (item.kind, item.is_own, item.platform_id) == (
        ItemKind.POST,
        True,
        "https://www.norrvik.se/?p=4791",
    )
    assert item.permalink == "https://www.norrvik.se/2024/12/02/julmarknad-pa-torget/"
    assert item.published_at == datetime(2024, 12, 2, 9, 0, 5, tzinfo=UTC)
    assert item.author.name == "Maria Lind" and item.text_format == "html"
    upload, post = [r for r, _ in httpserver.log if r.method == "POST"]
    assert upload.form.to_dict() == {"alt_text": "Marknadsstånd med julgranar på Torget"}
    assert upload.files["file"].read() == b"\xff\xd8 torget"
    assert post.args.to_dict() == {"_embed": "author"}
    sent = json.loads(post.data)
    assert sent == {
        "title": "Julmarknad på Torget",
        "content": json.loads(recorded("rss", "wp_post_created.json"))["content"]["raw"],
        "status": "publish",
        "featured_media": 4790,
    }


def test_a_blog_post_already_published_is_found_not_posted_again(blog, httpserver, recorded):
    wordpress(httpserver, recorded, "posts", "wp_posts_edit_with_published.json")
    photo = Upload("torget.jpg", "image/jpeg", b"jpeg", "Marknadsstånd med julgranar på Torget")

    published = blog.publish_post(JULMARKNAD, media=[photo], link="https://norrvik.se/julmarknad")

    assert published.item.platform_id == "https://www.norrvik.se/?p=4791"
    assert all(request.method == "GET" for request, _ in httpserver.log)  # nothing uploaded or posted


def test_a_refused_application_password_is_a_credentials_error_without_it(blog, httpserver, recorded):
    wordpress(httpserver, recorded, "posts", "wp_error_incorrect_password.json", status=401)

    with pytest.raises(CredentialsInvalid) as refused:
        blog.publish_post(JULMARKNAD)

    message = str(refused.value)
    assert "invalid application password" in message
    assert (
        WP_PASSWORD not in message
        and base64.b64encode(f"{WP_USER}:{WP_PASSWORD}".encode()).decode() not in message
    )
    assert all(request.method == "GET" for request, _ in httpserver.log)


def test_a_blog_without_wordpress_credentials_is_published_by_hand(connector, httpserver):
    assert connector.publishes_posts
    with pytest.raises(NotSupported, match="publish by hand"):
        connector.publish_post(JULMARKNAD)
    assert httpserver.log == []
