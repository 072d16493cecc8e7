"""Meta's webhooks (Facebook Page `feed`, Instagram `comments`): recorded deliveries of
tests/fixtures/facebook and tests/fixtures/instagram, signed here with the test app secret and
posted to the endpoint; the Graph API the ingest asks for partial items is a local HTTP server."""

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from archive.models import Record
from harvest import intake, services
from harvest.models import Delivery, HarvestRun, ItemEvent, Recheck
from moderation.models import Case
from platforms.instagram import MEDIA_FIELDS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
URL = "/webhooks/meta/"
SECRET = "test-app-secret-0123456789"
VERIFY_TOKEN = "norrvik-verify-token"
PAGE_ID = "104512345678901"
POST_ID = f"{PAGE_ID}_912345678901234"
COMMENT_ID = "912345678901234_1122334455660001"
IG_ID = "17841400000000000"
IG_COMMENT_ID = "17900000000000042"
ADDED = "Varför är inte Storgatan plogad än? Bussen till skolan står still."
EDITED = "Varför är inte Storgatan plogad än? Bussen till skolan står still sedan kl. 7."


def recorded(platform: str, name: str) -> bytes:
    return (FIXTURES / platform / name).read_bytes()


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture(autouse=True)
def meta_app(settings):
    settings.META_APP_SECRET = SECRET
    settings.META_WEBHOOK_VERIFY_TOKEN = VERIFY_TOKEN
    settings.HARVEST_HTTP_RETRIES = 0


@pytest.fixture
def facebook_account(org, httpserver):
    account = org.account
    account.platform, account.platform_id = "facebook", PAGE_ID
    account.api_base_url = httpserver.url_for("/v21.0")
    account.save()
    return account


@pytest.fixture
def instagram_account(org, httpserver):
    account = org.account
    account.platform, account.platform_id, account.handle = "instagram", IG_ID, "norrvikskommun"
    account.api_base_url = httpserver.url_for("/v21.0")
    account.save()
    return account


def deliver(client, body: bytes, signature: str | None = None):
    headers = {} if signature == "" else {"HTTP_X_HUB_SIGNATURE_256": signature or sign(body)}
    return client.post(URL, data=body, content_type="application/json", **headers)


def ingest_new() -> None:
    """What the `harvest.ingest_delivery` task does, for each stored delivery not yet ingested."""
    for delivery in Delivery.objects.filter(processed_at__isnull=True).order_by("pk"):
        intake.delivery_ingest(delivery_id=delivery.pk)


def serve_graph_comment(httpserver, comment_id: str, name: str, platform: str = "facebook") -> None:
    httpserver.expect_request(f"/v21.0/{comment_id}").respond_with_data(
        recorded(platform, name), content_type="application/json"
    )


# --- verification ----------------------------------------------------------------------------------


def test_verification_echoes_the_challenge_and_writes_nothing(client, db, django_assert_num_queries):
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    with django_assert_num_queries(0):
        response = client.get(URL, params)

    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert not Delivery.objects.exists()


def test_verification_with_a_wrong_token_is_refused(client, db):
    params = {"hub.mode": "subscribe", "hub.verify_token": "guessed", "hub.challenge": "1158201444"}

    response = client.get(URL, params)

    assert response.status_code == 403
    assert b"1158201444" not in response.content


# --- signatures ------------------------------------------------------------------------------------


def test_a_signed_delivery_is_kept_byte_for_byte_and_its_ingest_queued(
    client, facebook_account, django_capture_on_commit_callbacks
):
    body = recorded("facebook", "webhook_feed_comment_add.json")

    with django_capture_on_commit_callbacks() as queued:
        response = deliver(client, body)

    assert response.status_code == 200
    delivery = Delivery.objects.get()
    assert bytes(delivery.body) == body  # \u escapes and all, as Meta sent them
    assert delivery.sha256 == hashlib.sha256(body).hexdigest()
    assert delivery.headers["X-Hub-Signature-256"] == sign(body)
    assert len(queued) == 1


@pytest.mark.parametrize(
    "signature",
    [
        "",  # none at all
        sign(b"something else"),
        sign(recorded("facebook", "webhook_feed_comment_add.json"), secret="another-app"),
        # the same JSON encoded again (UTF-8 instead of \u escapes): not the bytes Meta signed
        sign(json.dumps(json.loads(recorded("facebook", "webhook_feed_comment_add.json"))).encode()),
    ],
    ids=["missing", "other-body", "other-secret", "re-encoded-body"],
)
def test_a_delivery_without_the_right_signature_is_refused_and_nothing_stored(
    client, facebook_account, signature
):
    response = deliver(client, recorded("facebook", "webhook_feed_comment_add.json"), signature)

    assert response.status_code == 403
    assert not Delivery.objects.exists()
    assert not Record.objects.exists()


def test_without_an_app_secret_every_delivery_is_refused(client, facebook_account, settings):
    settings.META_APP_SECRET = ""
    body = recorded("facebook", "webhook_feed_comment_add.json")

    assert deliver(client, body, sign(body, secret="")).status_code == 403
    assert not Delivery.objects.exists()


# --- ingest ----------------------------------------------------------------------------------------


def test_n20_a_new_comment_is_archived_from_the_delivery_with_its_received_time(client, facebook_account):
    deliver(client, recorded("facebook", "webhook_feed_comment_add.json"))

    ingest_new()

    record = Record.objects.get(platform_id=COMMENT_ID)
    assert record.text == ADDED
    assert record.published_at == datetime(2024, 11, 20, 8, 2, 44, tzinfo=UTC)
    assert (record.kind, record.parent_platform_id, record.thread_platform_id) == (
        "comment",
        POST_ID,
        POST_ID,
    )
    assert record.author_name == "Anna Lind"
    assert Case.objects.filter(record=record).exists()  # in the inbox at once
    assert bytes(record.source.body) == recorded("facebook", "webhook_feed_comment_add.json")


def test_the_same_delivery_sent_again_is_stored_and_ingested_once(
    client, facebook_account, django_capture_on_commit_callbacks
):
    body = recorded("facebook", "webhook_feed_comment_add.json")
    deliver(client, body)
    ingest_new()

    with django_capture_on_commit_callbacks() as queued:
        response = deliver(client, body)
    intake.delivery_ingest(delivery_id=Delivery.objects.get().pk)  # a task redelivered by the broker

    assert response.status_code == 200  # Meta must stop retrying
    assert queued == []
    assert Delivery.objects.count() == 1
    record = Record.objects.get(platform_id=COMMENT_ID)
    assert record.version_count == 1
    assert Case.objects.filter(record=record).count() == 1
    assert ItemEvent.objects.count() == 1


def test_an_edit_delivered_before_its_creation_keeps_the_edited_text(client, facebook_account, httpserver):
    # The edit's payload is read again by id: its created_time is the edit's, not the comment's.
    serve_graph_comment(httpserver, COMMENT_ID, "comment_edited_node.json")
    deliver(client, recorded("facebook", "webhook_feed_comment_edited.json"))
    ingest_new()
    deliver(client, recorded("facebook", "webhook_feed_comment_add.json"))
    ingest_new()

    record = Record.objects.get(platform_id=COMMENT_ID)
    assert record.text == EDITED
    assert record.version_count == 1  # the older text never overwrote the newer one
    assert record.published_at == datetime(2024, 11, 20, 8, 2, 44, tzinfo=UTC)
    outcomes = dict(ItemEvent.objects.values_list("order", "outcome"))
    assert outcomes == {0: ItemEvent.Outcome.SUPERSEDED, 1: ItemEvent.Outcome.APPLIED}


def test_n20_an_edit_after_the_creation_becomes_a_version(client, facebook_account, httpserver):
    serve_graph_comment(httpserver, COMMENT_ID, "comment_edited_node.json")
    deliver(client, recorded("facebook", "webhook_feed_comment_add.json"))
    deliver(client, recorded("facebook", "webhook_feed_comment_edited.json"))

    ingest_new()

    record = Record.objects.get(platform_id=COMMENT_ID)
    assert [v.text for v in record.versions.order_by("number")] == [ADDED, EDITED]


def test_n20_a_removal_marks_the_archived_comment_deleted_at_the_time_of_the_delivery(
    client, facebook_account
):
    deliver(client, recorded("facebook", "webhook_feed_comment_add.json"))
    ingest_new()
    deliver(client, recorded("facebook", "webhook_feed_comment_remove.json"))

    ingest_new()

    record = Record.objects.get(platform_id=COMMENT_ID)
    assert record.deleted_on_platform_at == datetime(2024, 11, 20, 8, 12, tzinfo=UTC)
    assert record.text == ADDED  # the text stays in the archive


def test_n20_a_removal_delivered_before_the_creation_still_leaves_the_text_archived_and_deleted(
    client, facebook_account
):
    deliver(client, recorded("facebook", "webhook_feed_comment_remove.json"))
    ingest_new()
    deliver(client, recorded("facebook", "webhook_feed_comment_add.json"))
    ingest_new()

    record = Record.objects.get(platform_id=COMMENT_ID)
    assert record.text == ADDED
    assert record.deleted_on_platform_at == datetime(2024, 11, 20, 8, 12, tzinfo=UTC)


def test_the_scheduled_harvest_finds_the_webhook_comment_and_adds_no_second_record(
    client, facebook_account, httpserver
):
    deliver(client, recorded("facebook", "webhook_feed_comment_add.json"))
    ingest_new()
    posts = json.loads(recorded("facebook", "posts_page1.json"))
    posts.pop("paging", None)
    comments = {
        "data": [
            {
                "id": COMMENT_ID,
                "message": ADDED,
                "created_time": "2024-11-20T08:02:44+0000",
                "from": {"name": "Anna Lind", "id": "6543210987654321"},
                "is_hidden": False,
            }
        ]
    }
    httpserver.expect_request(f"/v21.0/{PAGE_ID}").respond_with_data(
        recorded("facebook", "page.json"), content_type="application/json"
    )
    httpserver.expect_request(f"/v21.0/{PAGE_ID}/posts").respond_with_json(posts)
    httpserver.expect_request(f"/v21.0/{POST_ID}/comments").respond_with_json(comments)
    httpserver.expect_request(re.compile(r"/v21\.0/.*/comments")).respond_with_json({"data": []})

    run = services.harvest_account(account_id=facebook_account.pk)

    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    assert Record.objects.filter(platform_id=COMMENT_ID).count() == 1
    assert Record.objects.get(platform_id=COMMENT_ID).version_count == 1
    assert Case.objects.filter(record__platform_id=COMMENT_ID).count() == 1


def test_a_delivery_for_an_account_we_do_not_keep_stores_no_record(client, facebook_account):
    facebook_account.platform_id = "999"
    facebook_account.save()
    deliver(client, recorded("facebook", "webhook_feed_comment_add.json"))

    ingest_new()

    assert not Record.objects.exists()
    assert Delivery.objects.get().processed_at is not None


# --- Instagram: partial deliveries, no deletions announced ----------------------------------------


def serve_instagram_comment(httpserver, status=200, name="comment_webhook_node.json"):
    not_media = recorded("instagram", "error_not_media.json")
    httpserver.expect_request(
        f"/v21.0/{IG_COMMENT_ID}", query_string={"fields": MEDIA_FIELDS}
    ).respond_with_data(not_media, status=400, content_type="application/json")
    body = recorded("instagram", name) if status == 200 else recorded("facebook", "error_deleted.json")
    httpserver.expect_request(f"/v21.0/{IG_COMMENT_ID}").respond_with_data(
        body, status=status, content_type="application/json"
    )


def test_n20_an_instagram_comment_is_read_by_id_and_looked_up_again_soon(
    client, instagram_account, httpserver
):
    serve_instagram_comment(httpserver)
    deliver(client, recorded("instagram", "webhook_comments.json"))
    before = timezone.now()

    ingest_new()

    record = Record.objects.get(platform_id=IG_COMMENT_ID)
    assert record.text == "När öppnar isbanan vid skolan?"
    assert record.published_at == datetime(2024, 11, 20, 8, 9, 58, tzinfo=UTC)  # the comment's own time
    assert record.thread_platform_id == "18045678901234567"
    recheck = Recheck.objects.get(platform_id=IG_COMMENT_ID)
    assert before + timedelta(minutes=1) <= recheck.due_at <= timezone.now() + timedelta(minutes=1)


def test_n20_an_instagram_comment_deleted_before_the_look_up_is_marked_deleted(
    client, instagram_account, httpserver
):
    serve_instagram_comment(httpserver)
    deliver(client, recorded("instagram", "webhook_comments.json"))
    ingest_new()
    httpserver.clear()
    serve_instagram_comment(httpserver, status=400)
    Recheck.objects.update(due_at=timezone.now() - timedelta(seconds=1))

    assert intake.rechecks_due() == [Recheck.objects.get().pk]
    outcome = intake.recheck_run(recheck_id=Recheck.objects.get().pk)

    assert outcome == "deleted"
    record = Record.objects.get(platform_id=IG_COMMENT_ID)
    assert record.deleted_on_platform_at is not None
    assert record.text == "När öppnar isbanan vid skolan?"
    assert not Recheck.objects.exists()


def test_an_instagram_comment_still_there_is_looked_up_at_each_delay_then_left_to_the_harvest(
    client, instagram_account, httpserver
):
    serve_instagram_comment(httpserver)
    deliver(client, recorded("instagram", "webhook_comments.json"))
    ingest_new()
    recheck = Recheck.objects.get()

    steps = [intake.recheck_run(recheck_id=recheck.pk) for _ in range(3)]

    assert steps == ["found", "found", "done"]
    assert not Recheck.objects.exists()
    assert Record.objects.get(platform_id=IG_COMMENT_ID).deleted_on_platform_at is None


def test_an_instagram_comment_gone_before_it_was_read_is_kept_from_the_delivery(
    client, instagram_account, httpserver
):
    serve_instagram_comment(httpserver, status=400)
    deliver(client, recorded("instagram", "webhook_comments.json"))

    ingest_new()

    record = Record.objects.get(platform_id=IG_COMMENT_ID)
    assert record.text == "När öppnar isbanan vid skolan?"
    assert record.published_at == datetime(2024, 11, 20, 8, 10, tzinfo=UTC)  # when Meta sent it
    assert record.author_handle == "erik.nord"


def test_a_delivery_whose_ingest_was_never_queued_is_queued_again(
    client, facebook_account, django_capture_on_commit_callbacks
):
    deliver(client, recorded("facebook", "webhook_feed_comment_add.json"))  # the broker was away
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(received_at=timezone.now() - timedelta(minutes=11))

    with django_capture_on_commit_callbacks() as queued:
        assert intake.deliveries_requeue() == [delivery.pk]
    assert len(queued) == 1
    intake.delivery_ingest(delivery_id=delivery.pk)

    assert intake.deliveries_requeue() == []  # ingested: not again
    assert Record.objects.filter(platform_id=COMMENT_ID).exists()


def test_n20_a_comment_hidden_on_the_page_stays_in_the_archive_and_is_not_deleted(
    client, facebook_account, httpserver
):
    serve_graph_comment(httpserver, COMMENT_ID, "comment_hidden_node.json")
    deliver(client, recorded("facebook", "webhook_feed_comment_add.json"))
    deliver(client, recorded("facebook", "webhook_feed_comment_hide.json"))

    ingest_new()

    record = Record.objects.get(platform_id=COMMENT_ID)
    assert record.text == ADDED
    assert record.version_count == 1
    assert record.deleted_on_platform_at is None
    assert ItemEvent.objects.filter(order=2, outcome=ItemEvent.Outcome.APPLIED).exists()  # the hiding


def test_a_comment_first_seen_hidden_is_read_by_id_and_archived(client, facebook_account, httpserver):
    serve_graph_comment(httpserver, COMMENT_ID, "comment_hidden_node.json")
    deliver(client, recorded("facebook", "webhook_feed_comment_hide.json"))  # the creation never came

    ingest_new()

    record = Record.objects.get(platform_id=COMMENT_ID)
    assert record.text == ADDED
    assert record.published_at == datetime(2024, 11, 20, 8, 2, 44, tzinfo=UTC)
    assert record.raw_json["is_hidden"] is True
