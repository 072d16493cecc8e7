"""Behaviour every connector shares: the registry, retries, and refusing half-read pages."""

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from platforms import CONNECTORS, get_connector_class
from platforms.base import (
    Connector,
    CredentialsInvalid,
    MalformedResponse,
    PermanentError,
    RateLimited,
    TransientError,
    TruncatedResponse,
    http_session,
)

ANY_PATH = re.compile(".*")
CREDENTIALS = {"access_token": "tok-s3cret", "key": "key-s3cret"}
JSON_PLATFORMS = ["mastodon", "bluesky", "facebook", "instagram", "youtube"]


def make(platform, httpserver, session):
    base = httpserver.url_for("/feed.xml" if platform == "rss" else "/api")
    return get_connector_class(platform)(
        base_url=base, platform_id="1", credentials=CREDENTIALS, session=session
    )


def test_registry_knows_every_platform():
    assert set(CONNECTORS) == {"mastodon", "bluesky", "facebook", "instagram", "youtube", "rss"}
    for platform, cls in CONNECTORS.items():
        assert issubclass(cls, Connector)
        assert cls.platform == platform
        assert get_connector_class(platform) is cls


def test_registry_rejects_unknown_platforms():
    with pytest.raises(KeyError, match="tiktok"):
        get_connector_class("tiktok")


@pytest.mark.parametrize("platform", sorted(CONNECTORS))
def test_server_errors_are_retried_a_bounded_number_of_times(platform, httpserver, fast_session):
    httpserver.expect_request(ANY_PATH).respond_with_data("Service Unavailable", status=503)

    with pytest.raises(TransientError, match="503") as e:
        list(make(platform, httpserver, fast_session).fetch_posts())

    assert len(httpserver.log) == 3  # the first try and two retries
    assert "s3cret" not in str(e.value)
    assert e.value.response.status == 503


@pytest.mark.parametrize("platform", sorted(CONNECTORS))
def test_a_retry_that_succeeds_is_invisible(platform, httpserver, fast_session):
    # Only the connectors' first request is answered with a failure, then a valid empty listing.
    httpserver.expect_oneshot_request(ANY_PATH).respond_with_data("Bad Gateway", status=502)
    empty = {
        "mastodon": "[]",
        "bluesky": '{"feed": []}',
        "facebook": '{"data": []}',
        "instagram": '{"data": []}',
        "youtube": '{"items": []}',
        "rss": '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
    }[platform]
    channel = '{"items": [{"id": "UC1", "contentDetails": {"relatedPlaylists": {"uploads": "UU1"}}}]}'
    httpserver.expect_request("/api/channels").respond_with_data(channel)  # only YouTube asks for it
    httpserver.expect_request(ANY_PATH).respond_with_data(empty)

    pages = list(make(platform, httpserver, fast_session).fetch_posts())

    # The listing comes back as if nothing had happened: an empty page, read from a 200 ...
    assert pages and all(page.items == [] for page in pages)
    assert all(page.response.status == 200 for page in pages)
    # ... because the session asked again: the server saw the 502, then the same request once more.
    statuses = [response.status_code for _request, response in httpserver.log]
    assert statuses[0] == 502 and set(statuses[1:]) == {200}
    first, retried = (request for request, _response in httpserver.log[:2])
    assert (retried.method, retried.path, retried.args) == (first.method, first.path, first.args)


@pytest.mark.parametrize("platform", JSON_PLATFORMS)
def test_truncated_json_is_a_transient_fault_to_retry(platform, httpserver, fast_session, recorded):
    name = {
        "mastodon": "statuses_page1.json",
        "bluesky": "author_feed_page1.json",
        "facebook": "posts_page1.json",
        "instagram": "media_page1.json",
        "youtube": "channels.json",
    }[platform]
    body = recorded(platform, name)
    httpserver.expect_request(ANY_PATH).respond_with_data(
        body[: len(body) // 2], content_type="application/json"
    )

    with pytest.raises(TruncatedResponse) as e:
        list(make(platform, httpserver, fast_session).fetch_posts())
    assert isinstance(e.value, TransientError)  # the task tries again later, from the cursor
    assert e.value.response.body == body[: len(body) // 2]


@pytest.mark.parametrize("platform", JSON_PLATFORMS)
def test_json_of_the_wrong_shape_is_malformed(platform, httpserver, fast_session):
    httpserver.expect_request(ANY_PATH).respond_with_data(
        '{"unexpected": true}', content_type="application/json"
    )

    with pytest.raises(MalformedResponse, match="unexpected payload"):
        list(make(platform, httpserver, fast_session).fetch_posts())


def test_connection_errors_become_transient_without_leaking_secrets():
    session = http_session(retries=1, backoff_factor=0, backoff_jitter=0)
    connector = get_connector_class("facebook")(
        base_url="http://127.0.0.1:9/v21.0",
        platform_id="1",
        credentials=CREDENTIALS,
        session=session,
        timeout=2,
    )

    with pytest.raises(TransientError) as e:
        list(connector.fetch_posts())
    assert "s3cret" not in str(e.value)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, '{"error": "Invalid Bearer token"}'),
        (403, '{"error": "The access token was revoked"}'),
        (400, '{"error": "invalid_token", "error_description": "expired"}'),
    ],
)
def test_a_token_refused_with_400_or_403_needs_reconnection(status, body, httpserver, fast_session):
    httpserver.expect_request(ANY_PATH).respond_with_data(
        body, status=status, content_type="application/json"
    )

    with pytest.raises(CredentialsInvalid):
        list(make("mastodon", httpserver, fast_session).fetch_posts())


def test_an_ordinary_bad_request_is_not_taken_for_a_refused_token(httpserver, fast_session):
    httpserver.expect_request(ANY_PATH).respond_with_data(
        '{"error": "Validation failed: limit must be below 80"}', status=400, content_type="application/json"
    )

    with pytest.raises(PermanentError) as e:
        list(make("mastodon", httpserver, fast_session).fetch_posts())
    assert not isinstance(e.value, CredentialsInvalid)


@pytest.mark.parametrize("platform", sorted(CONNECTORS))
@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_waited_out_and_nothing_more_is_sent(
    platform, status, httpserver, fast_session
):
    httpserver.expect_request(ANY_PATH).respond_with_data(
        "Slow down", status=status, headers={"Retry-After": "120"}
    )
    connector = make(platform, httpserver, fast_session)

    with pytest.raises(RateLimited) as e:
        list(connector.fetch_posts())
    assert 119 <= e.value.retry_after <= 120
    # Not retried at once, and the same connector (one harvest run) sends nothing more until then.
    with pytest.raises(RateLimited):
        list(connector.fetch_posts())
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("platform", sorted(CONNECTORS))
def test_retry_after_as_an_http_date_is_honoured(platform, httpserver, fast_session):
    when = format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)
    httpserver.expect_request(ANY_PATH).respond_with_data(
        "Slow down", status=429, headers={"Retry-After": when}
    )

    with pytest.raises(RateLimited) as e:
        list(make(platform, httpserver, fast_session).fetch_posts())
    assert 590 <= e.value.retry_after <= 600
