"""A reply smgov publishes is archived the moment the platform confirms it, as the record the harvest
will find later; a reply under a comment deleted on the platform is refused without calling it.

The platform is a Mastodon instance served from the recorded payloads by a real local HTTP server
(tests/harvest/conftest.py), which answers a posted reply the way Mastodon does: with the new status.
"""

import html
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts import crypto
from accounts.models import Credential
from archive.models import Record, SourceResponse
from harvest.models import HarvestState
from harvest.services import harvest_account
from moderation import services
from moderation.models import Case, CaseState, Reply
from tests.harvest.conftest import ACCOUNT_ID, POST_WITH_COMMENTS, MastodonServer

COMMENT = "113520400000000013"  # "Fint jobb i morse på Åsvägen", on the post with comments
POSTED_AT = datetime(2026, 11, 20, 10, 0, 5, tzinfo=UTC)


class Instance(MastodonServer):
    """The recorded instance, which also takes replies: each POST becomes a status in the thread,
    said back as Mastodon says it. Like some Mastodon-compatible servers it ignores Idempotency-Key.
    ``hold`` makes the answer wait until the test lets it go (the reply is on the server by then)."""

    def __init__(self, httpserver):
        super().__init__(httpserver)
        self.posted: list[dict] = []
        self.hold: threading.Event | None = None
        self.received = threading.Event()

    def handle(self, request):
        if request.method == "POST" and request.path == "/api/v1/statuses":
            status = self.post(request.form["status"], request.form["in_reply_to_id"])
            self.received.set()
            if self.hold is not None:
                self.hold.wait(120)
            return self.json(status)
        thread = self.contexts[POST_WITH_COMMENTS]["descendants"]
        parts = request.path.split("/")
        own_context = request.path.endswith("/context") and not self.overrides.get(request.path)
        if own_context and any(s["id"] == parts[4] for s in thread):  # a comment's: the replies below it
            return self.json(
                {"ancestors": [], "descendants": [s for s in thread if s["in_reply_to_id"] == parts[4]]}
            )
        return super().handle(request)

    def post(self, text: str, parent_id: str) -> dict:
        status = self.load("posted_reply.json")
        status["id"] = str(113530000000000000 + len(self.posted))
        status["in_reply_to_id"] = parent_id
        status["created_at"] = POSTED_AT.isoformat().replace("+00:00", "Z")
        status["url"] = f"https://mastodon.social/@norrvikskommun/{status['id']}"
        status["uri"] = f"https://mastodon.social/users/norrvikskommun/statuses/{status['id']}"
        status["content"] = "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n"))
        self.posted.append(status)
        self.contexts[POST_WITH_COMMENTS]["descendants"].append(status)
        return status


def set_up_instance(org, httpserver) -> Instance:
    instance = Instance(httpserver)
    account = org.account
    account.platform, account.platform_id, account.handle = "mastodon", ACCOUNT_ID, "norrvikskommun"
    account.api_base_url = instance.base_url
    account.save()
    Credential.objects.create(account=account, name="access_token", ciphertext=crypto.encrypt("tok"))
    harvest_account(account_id=account.pk)
    # The recorded posts are from 2024: let the next harvest read their comments again.
    HarvestState.objects.filter(account=account).update(repoll_days=3650)
    return instance


def comment_case() -> Case:
    return Case.objects.select_related("record").get(record__platform_id=COMMENT)


@pytest.fixture
def instance(org, httpserver):
    return set_up_instance(org, httpserver)


def test_n20_a_published_reply_is_archived_at_once_and_the_harvest_finds_the_same_record(
    org, instance, django_capture_on_commit_callbacks
):
    case = comment_case()
    with django_capture_on_commit_callbacks():
        reply = services.reply_submit(actor=org.alice, case=case, text="Hej Lena! Tack, vi hälsar dem.")
    services.reply_publish_run(reply_id=reply.pk)

    (posted,) = instance.posted
    record = Record.objects.get(platform="mastodon", platform_id=posted["id"])
    # Drawn up when published, from the platform's answer, as the account's reply under the comment.
    assert record.is_own and record.kind == "reply"
    assert record.parent_id == case.record_id and record.thread_id == case.record.thread_id
    assert record.published_at == POSTED_AT
    assert record.permalink == posted["url"]
    assert record.text == "<p>Hej Lena! Tack, vi hälsar dem.</p><p>/Alice, Kommunikatör</p>"
    assert record.source.method == "POST" and bytes(record.source.body).startswith(b"{")
    reply.refresh_from_db()
    assert reply.status == Reply.Status.PUBLISHED and reply.platform_reply_id == posted["id"]
    assert reply.permalink == posted["url"] and reply.published_at == POSTED_AT
    assert not Case.objects.filter(record=record).exists()  # an own reply opens no case

    harvest_account(account_id=org.account.pk)

    again = Record.objects.filter(platform="mastodon", platform_id=posted["id"])
    assert again.count() == 1  # the harvest updated the same record
    record.refresh_from_db()
    assert record.version_count == 1 and record.last_seen_at > record.first_seen_at
    assert SourceResponse.objects.filter(method="POST").count() == 1


def test_a_reply_under_a_comment_deleted_on_the_platform_is_refused_and_the_case_closed(
    org, instance, django_capture_on_commit_callbacks
):
    case = comment_case()
    deleted_at = datetime(2026, 11, 21, 14, 5, tzinfo=UTC)
    Record.objects.filter(pk=case.record_id).update(deleted_on_platform_at=deleted_at)
    instance.hits.clear()

    with (
        translation.override("sv"),
        pytest.raises(ValidationError) as refused,
        django_capture_on_commit_callbacks() as callbacks,
    ):
        services.reply_submit(actor=org.alice, case=case, text="Hej Lena!")

    message = refused.value.messages[0]
    assert "Kommentaren togs bort på plattformen av sin författare" in message
    assert "21 november 2026 kl. 15.05" in message  # Stockholm time
    case.refresh_from_db()
    assert case.state == CaseState.DELETED and case.closed_at and not case.is_open
    assert not Reply.objects.filter(case=case).exists() and not callbacks
    assert not instance.hits and not instance.posted  # the platform was not called


def test_the_case_page_refuses_a_reply_under_a_deleted_comment_in_swedish(client, org, instance):
    case = comment_case()
    Record.objects.filter(pk=case.record_id).update(
        deleted_on_platform_at=datetime(2026, 11, 21, 14, 5, tzinfo=UTC)
    )
    client.force_login(org.alice)

    response = client.post(f"/inkorg/arende/{case.pk}/svara/", {"text": "Hej Lena!"}, follow=True)

    page = response.content.decode()
    assert "Kommentaren togs bort på plattformen" in page and "21 november 2026 kl. 15.05" in page
    assert "Raderad på plattformen" in page  # the state
    assert f'action="/inkorg/arende/{case.pk}/svara/"' not in page  # no reply form any more
    assert not instance.posted


def test_a_reply_queued_before_the_comment_was_deleted_is_not_published(
    org, instance, django_capture_on_commit_callbacks
):
    case = comment_case()
    with django_capture_on_commit_callbacks():
        reply = services.reply_submit(actor=org.alice, case=case, text="Hej Lena!")
    # The comment disappears before the queued task runs: the platform no longer knows it.
    instance.contexts[POST_WITH_COMMENTS]["descendants"] = [
        s for s in instance.contexts[POST_WITH_COMMENTS]["descendants"] if s["id"] != COMMENT
    ]
    instance.overrides[f"/api/v1/statuses/{COMMENT}/context"] = [
        instance.json({"error": "Record not found"}, status=404)
    ]

    services.reply_publish_run(reply_id=reply.pk)

    reply.refresh_from_db()
    case.refresh_from_db()
    assert reply.status == Reply.Status.COMMENT_DELETED and not instance.posted
    assert case.state == CaseState.DELETED
    assert case.record.deleted_on_platform_at is not None
    assert case.record.deleted_on_platform_at > datetime.now(UTC) - timedelta(minutes=5)
