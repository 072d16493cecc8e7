import json
from datetime import UTC, datetime

import pytest
from werkzeug import Response

from platforms.base import (
    CredentialsInvalid,
    ItemKind,
    NotFound,
    NotSupported,
    PermanentError,
    RateLimited,
    Upload,
)
from platforms.instagram import (
    COMMENT_FIELDS,
    MEDIA_FIELDS,
    NODE_COMMENT_FIELDS,
    REPLY_FIELDS,
    InstagramConnector,
)

IG_ID = "17841401234567890"
TOKEN = "ig-page-token"
RECORDED_BASE = b"https://graph.facebook.com/v21.0"
MEDIA_ID = "18045678901234567"


@pytest.fixture
def serve(httpserver, recorded):
    def serve(path, name, query=None, status=200, headers=None, method="GET"):
        body = recorded("instagram", name).replace(RECORDED_BASE, httpserver.url_for("/v21.0").encode())
        # The token travels as a bearer header, never in the URL.
        query = {k: v for k, v in query.items() if k != "access_token"} if query else query
        httpserver.expect_request(
            f"/v21.0/{path}",
            query_string=query,
            method=method,
            headers={"Authorization": f"Bearer {TOKEN}"},
        ).respond_with_data(body, status=status, headers=headers, content_type="application/json")
        return json.loads(body)

    return serve


@pytest.fixture
def connector(httpserver, fast_session):
    return InstagramConnector(
        base_url=httpserver.url_for("/v21.0"),
        platform_id=IG_ID,
        handle="norrvikskommun",
        credentials={"access_token": TOKEN},
        session=fast_session,
    )


@pytest.fixture
def two_pages(serve):
    first = serve(
        f"{IG_ID}/media", "media_page1.json", {"fields": MEDIA_FIELDS, "limit": "50", "access_token": TOKEN}
    )
    query = {
        "fields": MEDIA_FIELDS,
        "limit": "50",
        "pretty": "0",
        "after": "QVFIUlhCOWx",
        "access_token": TOKEN,
    }
    serve(f"{IG_ID}/media", "media_page2.json", query)
    return first


def test_fetch_posts_follows_paging(connector, two_pages):
    pages = list(connector.fetch_posts())

    assert [[i.platform_id for i in p.items] for p in pages] == [
        [MEDIA_ID, "18045678900000002"],
        ["18045678800000003"],
    ]
    assert pages[1].cursor is None
    album = pages[0].items[0]
    assert (album.kind, album.is_own, album.thread_id) == (ItemKind.POST, True, MEDIA_ID)
    assert album.text.endswith("#norrvik #snöröjning")
    assert album.published_at == datetime(2024, 11, 20, 7, 0, tzinfo=UTC)
    assert album.permalink == "https://www.instagram.com/p/C9xYzAbCdEf/"
    assert [m.type for m in album.media] == ["image", "video"]
    assert album.author.handle == "norrvikskommun"
    assert album.raw == two_pages["data"][0]
    # A video without media_url (flagged for copyright) keeps its thumbnail.
    assert pages[0].items[1].media[0].url.endswith("bibliotek_thumb.jpg")
    assert all("access_token" not in p.response.url for p in pages)


def test_since_and_resume(connector, two_pages):
    assert [i.platform_id for p in connector.fetch_posts(since="18045678900000002") for i in p.items] == [
        MEDIA_ID
    ]

    cursor = next(connector.fetch_posts()).cursor
    assert [i.platform_id for p in connector.fetch_posts(cursor=cursor) for i in p.items] == [
        "18045678800000003"
    ]


def test_fetch_comments_reads_replies_beyond_those_inlined(connector, serve):
    serve(
        f"{MEDIA_ID}/comments",
        "comments.json",
        {"fields": COMMENT_FIELDS, "limit": "50", "access_token": TOKEN},
    )
    serve(
        "17900000000000001/replies",
        "replies.json",
        {"fields": REPLY_FIELDS, "limit": "50", "access_token": TOKEN},
    )
    # The other comment came without a replies edge: it is asked about, and has none.
    serve("17900000000000004/replies", "replies_empty.json", {"fields": REPLY_FIELDS, "limit": "50"})

    pages = list(connector.fetch_comments(MEDIA_ID))

    assert len(pages) == 3
    summary = [(i.platform_id, i.kind, i.parent_id, i.is_own) for i in pages[0].items]
    assert summary == [
        ("17900000000000001", ItemKind.COMMENT, MEDIA_ID, False),
        ("17900000000000002", ItemKind.REPLY, "17900000000000001", True),
        ("17900000000000003", ItemKind.REPLY, "17900000000000001", False),
        ("17900000000000004", ItemKind.COMMENT, MEDIA_ID, False),
    ]
    assert [i.platform_id for i in pages[1].items][-1] == "17900000000000005"
    assert pages[2].items == []
    # A crash between the pages re-reads the comment page; only the last page moves on.
    assert pages[0].cursor == pages[1].cursor == {}
    assert pages[2].cursor is None
    assert pages[0].items[0].text == "När plogas Åsvägen? Det är omöjligt att ta sig till skolan 😩"
    assert pages[0].items[0].permalink is None


def test_replies_the_listing_only_counts_or_leaves_out_are_read_from_the_replies_edge(
    connector, serve, httpserver
):
    serve(
        f"{MEDIA_ID}/comments", "comments_replies_not_inlined.json", {"fields": COMMENT_FIELDS, "limit": "50"}
    )
    serve(
        "17900000000000011/replies",
        "replies_17900000000000011_page1.json",
        {"fields": REPLY_FIELDS, "limit": "50"},
    )
    serve(
        "17900000000000011/replies",
        "replies_17900000000000011_page2.json",
        {"fields": REPLY_FIELDS, "limit": "50", "after": "QVFIUnJC"},
    )
    serve("17900000000000012/replies", "replies_empty.json", {"fields": REPLY_FIELDS, "limit": "50"})

    pages = list(connector.fetch_comments(MEDIA_ID))

    items = [(i.platform_id, i.kind, i.parent_id, i.thread_id, i.is_own) for p in pages for i in p.items]
    assert items == [
        ("17900000000000011", ItemKind.COMMENT, MEDIA_ID, MEDIA_ID, False),
        ("17900000000000012", ItemKind.COMMENT, MEDIA_ID, MEDIA_ID, False),
        # the summary counted three: both pages of the edge are read
        ("17900000000000013", ItemKind.REPLY, "17900000000000011", MEDIA_ID, True),
        ("17900000000000014", ItemKind.REPLY, "17900000000000011", MEDIA_ID, False),
        ("17900000000000015", ItemKind.REPLY, "17900000000000011", MEDIA_ID, False),
    ]
    assert [p.cursor for p in pages] == [{}, {}, {}, None]
    assert len(httpserver.log) == 4  # each page asked for once


def test_fetch_item_of_a_comment(connector, serve):
    serve(
        "17900000000000003",
        "error_not_media.json",
        {"fields": MEDIA_FIELDS, "access_token": TOKEN},
        status=400,
    )
    serve("17900000000000003", "comment_node.json", {"fields": NODE_COMMENT_FIELDS, "access_token": TOKEN})

    item = connector.fetch_item("17900000000000003")

    assert (item.kind, item.parent_id, item.thread_id) == (ItemKind.REPLY, "17900000000000001", MEDIA_ID)


def test_fetch_item_of_a_deleted_post(connector, httpserver, recorded):
    httpserver.expect_request("/v21.0/18045678900000099").respond_with_data(
        recorded("facebook", "error_deleted.json"), status=400, content_type="application/json"
    )

    with pytest.raises(NotFound):
        connector.fetch_item("18045678900000099")


def test_business_use_case_limit(connector, serve):
    usage = {
        IG_ID: [
            {
                "type": "instagram",
                "call_count": 96,
                "total_cputime": 4,
                "total_time": 5,
                "estimated_time_to_regain_access": 3,
            }
        ]
    }
    serve(
        f"{IG_ID}/media",
        "error_buc_limit.json",
        status=400,
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )

    with pytest.raises(RateLimited) as e:
        list(connector.fetch_posts())
    assert e.value.retry_after == 180


def test_fetch_profile(connector, serve):
    serve(IG_ID, "user.json", {"fields": "followers_count,username", "access_token": TOKEN})

    assert connector.fetch_profile().followers_count == 5210


def test_a_user_object_without_followers_count_is_no_follower_count_not_an_error(connector, serve):
    # Graph leaves out fields it will not return for this account or token.
    serve(IG_ID, "user_without_followers_count.json", {"fields": "followers_count,username"})

    assert connector.fetch_profile().followers_count is None


def test_publish_reply_and_hide(connector, serve, httpserver):
    serve("17900000000000001/replies", "replies_empty.json")
    serve("17900000000000001/replies", "reply_created.json", method="POST")
    serve("17900000000000009", "reply_node.json")
    serve("17900000000000004", "user.json", method="POST")

    published = connector.publish_reply("17900000000000001", "Hej Lena! Åsvägen plogas i eftermiddag.")
    connector.hide_comment("17900000000000004")

    item = published.item
    assert item.platform_id == "17900000000000009" and item.is_own and item.kind == "reply"
    assert item.thread_id == MEDIA_ID and item.parent_id == "17900000000000001"
    assert [r.form.to_dict() for r, _ in httpserver.log if r.method == "POST"] == [
        {"message": "Hej Lena! Åsvägen plogas i eftermiddag."},
        {"hide": "true"},
    ]


def test_a_reply_already_posted_is_found_not_posted_again(connector, serve, httpserver, recorded):
    own = json.loads(recorded("instagram", "reply_node.json"))
    httpserver.expect_request("/v21.0/17900000000000001/replies").respond_with_json({"data": [own]})

    published = connector.publish_reply(
        "17900000000000001", "Hej Lena! Åsvägen plogas i eftermiddag.", thread_id=MEDIA_ID
    )

    assert published.item.platform_id == "17900000000000009"
    assert all(request.method == "GET" for request, _ in httpserver.log)  # nothing posted


CONTAINER = "17889455560051444"
NEW_MEDIA = "18051234567890123"
JULMARKNAD = "Julmarknad på Torget på lördag kl. 11–16! 🎄 #norrvik #julmarknad"
OWN_MEDIA = {"fields": MEDIA_FIELDS, "limit": "25"}


def photo(number, public_url=True):
    return Upload(
        f"julmarknad_{number}.jpg",
        "image/jpeg",
        b"jpeg",
        f"Julmarknaden, bild {number}",
        public_url=f"https://norrvik.se/media/julmarknad_{number}.jpg" if public_url else "",
    )


@pytest.fixture
def publisher(connector):
    connector.container_wait_seconds = 0
    return connector


@pytest.fixture
def containers(httpserver, recorded, serve):
    """The media edge answers each container with its own recorded id; the new container is still
    being prepared the first time it is asked about and ready the next."""

    def create(request):
        form = request.form
        name = (
            "container_created.json"
            if form.get("media_type") == "CAROUSEL" or not form.get("is_carousel_item")
            else f"container_child_{form['image_url'][-5]}.json"
        )
        return Response(recorded("instagram", name), content_type="application/json")

    httpserver.expect_request(f"/v21.0/{IG_ID}/media", method="POST").respond_with_handler(create)
    httpserver.expect_oneshot_request(f"/v21.0/{CONTAINER}").respond_with_data(
        recorded("instagram", "container_in_progress.json"), content_type="application/json"
    )
    serve(CONTAINER, "container_finished.json", {"fields": "status_code,status"})
    serve(f"{IG_ID}/media_publish", "media_published_id.json", method="POST")
    serve(NEW_MEDIA, "media_published.json", {"fields": MEDIA_FIELDS})


def test_publish_a_carousel_of_photos_by_their_public_addresses(publisher, serve, containers, httpserver):
    serve(f"{IG_ID}/media", "media_page1.json", OWN_MEDIA)  # not published yet

    published = publisher.publish_post(JULMARKNAD, media=[photo(1), photo(2)], key="p1")

    item = published.item
    assert (item.kind, item.is_own, item.platform_id) == (ItemKind.POST, True, NEW_MEDIA)
    assert item.permalink == "https://www.instagram.com/p/DJulMarkNad1/"
    assert len(item.media) == 2
    posted = [(r.path.rsplit("/", 1)[1], r.form.to_dict()) for r, _ in httpserver.log if r.method == "POST"]
    assert posted == [
        (
            "media",
            {
                "image_url": "https://norrvik.se/media/julmarknad_1.jpg",
                "alt_text": "Julmarknaden, bild 1",
                "is_carousel_item": "true",
            },
        ),
        (
            "media",
            {
                "image_url": "https://norrvik.se/media/julmarknad_2.jpg",
                "alt_text": "Julmarknaden, bild 2",
                "is_carousel_item": "true",
            },
        ),
        (
            "media",
            {
                "media_type": "CAROUSEL",
                "children": "17889455560051451,17889455560051452",
                "caption": JULMARKNAD,
            },
        ),
        ("media_publish", {"creation_id": CONTAINER}),
    ]
    # Published only once the container was ready: asked twice.
    assert [r.path for r, _ in httpserver.log].count(f"/v21.0/{CONTAINER}") == 2
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r, _ in httpserver.log)


def test_publish_one_photo_with_the_link_in_the_caption(publisher, serve, containers, httpserver):
    serve(f"{IG_ID}/media", "media_page1.json", OWN_MEDIA)

    publisher.publish_post("Julmarknad på lördag!", media=[photo(1)], link="https://norrvik.se/julmarknad")

    first = next(r for r, _ in httpserver.log if r.method == "POST")
    assert first.form.to_dict() == {
        "image_url": "https://norrvik.se/media/julmarknad_1.jpg",
        "alt_text": "Julmarknaden, bild 1",
        "caption": "Julmarknad på lördag!\n\nhttps://norrvik.se/julmarknad",
    }


def test_a_post_already_published_is_found_not_posted_again(publisher, serve, httpserver):
    serve(f"{IG_ID}/media", "media_with_published.json", OWN_MEDIA)

    published = publisher.publish_post(JULMARKNAD.replace("! ", "!  "), media=[photo(1), photo(2)])

    assert published.item.platform_id == NEW_MEDIA and published.item.is_own
    assert all(request.method == "GET" for request, _ in httpserver.log)  # no container, nothing published


def test_a_refused_token_stops_publishing_with_a_credentials_error(publisher, serve, httpserver):
    serve(f"{IG_ID}/media", "error_token_invalid.json", OWN_MEDIA, status=400)

    with pytest.raises(CredentialsInvalid) as refused:
        publisher.publish_post(JULMARKNAD, media=[photo(1)])

    assert TOKEN not in str(refused.value) and "session has been invalidated" in str(refused.value)
    assert all(request.method == "GET" for request, _ in httpserver.log)


def test_a_photo_instagram_could_not_fetch_is_not_published(publisher, serve, httpserver):
    serve(f"{IG_ID}/media", "media_page1.json", OWN_MEDIA)
    serve(f"{IG_ID}/media", "container_created.json", method="POST")
    serve(CONTAINER, "container_error.json", {"fields": "status_code,status"})

    with pytest.raises(PermanentError, match="Media download has failed"):
        publisher.publish_post(JULMARKNAD, media=[photo(1)])

    assert not any(r.path.endswith("media_publish") for r, _ in httpserver.log)


def test_posts_without_a_photo_or_its_public_address_are_published_by_hand(publisher, httpserver):
    with pytest.raises(NotSupported, match="no posts of text alone"):
        publisher.publish_post(JULMARKNAD)
    with pytest.raises(NotSupported, match="julmarknad_2.jpg has none"):
        publisher.publish_post(JULMARKNAD, media=[photo(1), photo(2, public_url=False)])

    assert httpserver.log == []
