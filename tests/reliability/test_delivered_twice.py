"""Every task may be delivered twice (acks_late: a worker lost after the work but before the
acknowledgement gets it redone). Each harvest, moderation and registry task run a second time with
the same arguments changes nothing: no record, version, case, reply, diary document or platform call
more than the first delivery made.

The platform is a real local HTTP server serving recorded Mastodon payloads; the tasks run the same
code a worker runs (``Task.apply``)."""

import json

import pytest
from django.core import mail

from accounts import crypto
from accounts.models import Credential
from archive.models import MediaFile, Record, RecordVersion, SourceResponse
from harvest.tasks import reconcile_account, run_account
from moderation import services
from moderation.flags import RemovalGround
from moderation.models import Case, CaseEvent, PlatformAction, Reply
from moderation.tasks import hide_comment, publish_reply, send_overdue_digest
from registry.models import DiaryDocument, RegistrationRequest
from registry.tasks import retention_nightly
from tests.factories import ServiceAccountFactory
from tests.harvest.conftest import ACCOUNT_ID, FIXTURES, POST_WITH_COMMENTS, MastodonServer

pytestmark = pytest.mark.usefixtures("transactional_db")


def counts() -> dict[str, int]:
    return {
        "records": Record.objects.count(),
        "versions": RecordVersion.objects.count(),
        "media": MediaFile.objects.count(),
        "cases": Case.objects.count(),
        "case events": CaseEvent.objects.count(),
        "replies": Reply.objects.count(),
        "registration requests": RegistrationRequest.objects.count(),
        "diary documents": DiaryDocument.objects.count(),
        "mails": len(mail.outbox),
    }


def twice(task, *args) -> dict[str, int]:
    """Delivers ``task`` twice and says what the first delivery left; the second must leave the same."""
    task.apply(args=args).get()
    after_first = counts()
    task.apply(args=args).get()
    assert counts() == after_first, task.name
    return after_first


@pytest.fixture
def mastodon(httpserver, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HARVEST_HTTP_RETRIES = 1
    return MastodonServer(httpserver)


@pytest.fixture
def account(org, mastodon):
    account = org.account
    account.platform, account.platform_id, account.handle = "mastodon", ACCOUNT_ID, "norrvikskommun"
    account.api_base_url = mastodon.base_url
    account.save()
    Credential.objects.create(account=account, name="access_token", ciphertext=crypto.encrypt("token"))
    return account


def test_each_task_delivered_twice_leaves_what_one_delivery_left(org, account, mastodon):
    first = twice(run_account, account.pk)
    assert first["records"] > 5 and first["cases"] >= 3 and first["media"] >= 1
    sources = SourceResponse.objects.count()
    twice(reconcile_account, account.pk)
    assert SourceResponse.objects.count() >= sources  # it did fetch again, and stored nothing twice

    # A reply published twice is posted once and archived once.
    comment = Record.objects.get(platform_id=mastodon.contexts[POST_WITH_COMMENTS]["descendants"][0]["id"])
    mastodon.contexts[comment.platform_id] = {"ancestors": [], "descendants": []}  # no reply under it yet
    posted = json.loads((FIXTURES / "mastodon" / "posted_reply.json").read_text("utf-8"))
    posted.update(id="113529900000000001", in_reply_to_id=comment.platform_id)
    mastodon.overrides["/api/v1/statuses"] = [lambda: mastodon.json(posted)]
    reply = services.reply_submit(actor=org.alice, case=comment.case, text="Hej! Vi plogar i morgon.")
    first = twice(publish_reply, reply.pk)
    assert mastodon.hits["/api/v1/statuses"] == 1
    reply.refresh_from_db()
    assert reply.status == Reply.Status.PUBLISHED and reply.platform_reply_id == "113529900000000001"
    assert Record.objects.filter(platform_id="113529900000000001").count() == 1

    # A removal hidden twice on the platform is one call to it.
    page = ServiceAccountFactory(
        department=org.own, platform="facebook", platform_id="page1", api_base_url=mastodon.base_url,
        admins=[org.alice, org.bob],
    )  # fmt: skip
    Credential.objects.create(account=page, name="access_token", ciphertext=crypto.encrypt("t"))
    from tests.moderation.conftest import open_case

    case = open_case(page, platform_id="c_77", text="Köp billiga klockor här")
    mastodon.overrides["/c_77"] = [lambda: mastodon.json({"success": True})]
    services.case_remove(actor=org.alice, case=case, ground=RemovalGround.OTHER, reason="Reklam")
    twice(hide_comment, case.pk)
    assert mastodon.hits["/c_77"] == 1
    case.refresh_from_db()
    assert case.platform_action == PlatformAction.DONE

    # The nightly and digest tasks: a second run the same night sends and disposes of nothing more.
    twice(send_overdue_digest)
    twice(retention_nightly)
