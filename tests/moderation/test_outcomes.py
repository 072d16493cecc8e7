"""The case tells the truth about the platform: "removed" only once the platform (or a person who did
it by hand) confirmed it; a removal or a reply that failed is shown first, with what to do next."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from accounts import crypto
from accounts.models import Credential
from moderation import services
from moderation.flags import RemovalGround
from moderation.models import Case, CaseState, PlatformAction, Priority, Reply
from smgov.lib import notify
from tests.factories import ServiceAccountFactory

from .conftest import open_case

REMOVING = "Borttagning pågår"
FAILED = "Borttagningen misslyckades — kommentaren är fortfarande synlig på plattformen"


def _page(client, user, url) -> str:
    client.force_login(user)
    with translation.override("sv"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()


def _row(page: str, case) -> str:
    """The inbox row of one case."""
    return page.split(f'href="{reverse("moderation:case", args=[case.pk])}"')[1].split("</tr>")[0]


def _inbox_order(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/inkorg/arende/(\d+)/" class="inbox-table__link"', page)]


@pytest.fixture
def facebook(org, httpserver):
    account = ServiceAccountFactory(
        department=org.own, platform="facebook", platform_id="page1", api_base_url=httpserver.url_for("/"),
        display_name="Exempelby på Facebook", admins=[org.alice, org.bob],
    )  # fmt: skip
    Credential.objects.create(account=account, name="access_token", ciphertext=crypto.encrypt("t"))
    return account


def _refuse(httpserver, path):
    httpserver.expect_request(path, method="POST").respond_with_json(
        {"error": {"code": 2, "message": "Service temporarily unavailable", "is_transient": False}},
        status=400,
    )


def test_n14_a_removal_says_removed_only_when_the_platform_confirmed_it(
    client, org, facebook, httpserver, django_capture_on_commit_callbacks
):
    case = open_case(facebook, platform_id="c_1", text="Jag vet var du bor")
    with django_capture_on_commit_callbacks():
        services.case_remove(actor=org.alice, case=case, ground=RemovalGround.UNLAWFUL_THREAT)

    # Pending: the case page and the open inbox say so, and nowhere does it say "Borttagen".
    page = _page(client, org.alice, case.get_absolute_url())
    assert REMOVING in page.split('class="dl case-facts"')[1].split("</dl>")[0]
    assert ">Borttagen<" not in page
    inbox = _page(client, org.alice, reverse("moderation:inbox"))
    assert REMOVING in _row(inbox, case)

    httpserver.expect_request("/c_1", method="POST").respond_with_json({"success": True})
    services.case_hide_run(case_id=case.pk)

    page = _page(client, org.alice, case.get_absolute_url())
    facts = page.split('class="dl case-facts"')[1].split("</dl>")[0]
    assert ">Borttagen<" in facts and REMOVING not in page
    inbox = _page(client, org.alice, reverse("moderation:inbox"))
    assert case.pk not in _inbox_order(inbox)  # done: no longer waiting for anyone
    closed = _page(client, org.alice, reverse("moderation:inbox") + "?state=closed")
    assert case.pk in _inbox_order(closed)


def test_n14_a_failed_removal_is_first_in_the_inbox_with_a_retry_and_the_manual_path(
    client, org, facebook, httpserver, django_capture_on_commit_callbacks
):
    urgent = open_case(
        org.account, text="Mitt personnummer är 19121212-1212"
    )  # high priority, older deadline
    urgent.priority = Priority.HIGH
    urgent.deadline = timezone.now() - timedelta(days=2)
    urgent.save(update_fields=["priority", "deadline"])
    case = open_case(facebook, platform_id="c_2", text="Jag vet var du bor")
    with django_capture_on_commit_callbacks():
        services.case_remove(actor=org.alice, case=case, ground=RemovalGround.UNLAWFUL_THREAT)
    _refuse(httpserver, "/c_2")
    services.case_hide_run(case_id=case.pk)
    assert Case.objects.get(pk=case.pk).platform_action == PlatformAction.FAILED

    inbox = _page(client, org.alice, reverse("moderation:inbox"))
    assert _inbox_order(inbox)[0] == case.pk
    assert FAILED in _row(inbox, case)

    page = _page(client, org.alice, case.get_absolute_url())
    assert FAILED in page.split('class="dl case-facts"')[1].split("</dl>")[0]
    assert reverse("moderation:platform_retry", args=[case.pk]) in page
    assert reverse("moderation:platform_done", args=[case.pk]) in page
    assert "Öppna kommentaren i YouTube Studio" not in page and "Facebook" in page  # this platform's steps

    # Try again: the platform is asked once more, and this time it confirms.
    httpserver.clear()
    httpserver.expect_request("/c_2", method="POST").respond_with_json({"success": True})
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("moderation:platform_retry", args=[case.pk]))
    assert response.status_code == 302 and len(callbacks) == 1
    page = _page(client, org.alice, case.get_absolute_url())
    assert REMOVING in page
    services.case_hide_run(case_id=case.pk)
    case.refresh_from_db()
    assert case.platform_action == PlatformAction.DONE and case.state_label == "Borttagen"


def test_n14_a_removal_done_by_hand_says_removed_once_the_person_confirms_it(client, org):
    case = open_case(org.account, text="Jag vet var du bor")  # mastodon: only by hand
    services.case_remove(actor=org.alice, case=case, ground=RemovalGround.UNLAWFUL_THREAT)
    inbox = _page(client, org.alice, reverse("moderation:inbox"))
    assert "Ska tas bort för hand på plattformen" in _row(inbox, case)
    client.post(reverse("moderation:platform_done", args=[case.pk]))
    case.refresh_from_db()
    assert case.platform_action == PlatformAction.DONE and case.state == CaseState.REMOVED
    assert case.pk not in _inbox_order(_page(client, org.alice, reverse("moderation:inbox")))


def test_only_a_failed_removal_can_be_retried(org, facebook, django_capture_on_commit_callbacks):
    case = open_case(facebook, platform_id="c_3")
    with django_capture_on_commit_callbacks():
        services.case_remove(actor=org.alice, case=case, ground=RemovalGround.OTHER, reason="Spam")
    with pytest.raises(services.ValidationError):
        services.case_hide_retry(actor=org.alice, case=case)


def test_a_case_whose_reply_failed_is_first_in_the_inbox(client, org):
    urgent = open_case(org.account, text="Hjälp!")
    urgent.priority = Priority.HIGH
    urgent.deadline = timezone.now() - timedelta(days=2)
    urgent.save(update_fields=["priority", "deadline"])
    waiting = open_case(org.account, text="När plogas Storgatan?")
    Reply.objects.create(
        case=waiting, author=org.alice, text="I morgon.", signature="/Alice", status="failed"
    )

    inbox = _page(client, org.alice, reverse("moderation:inbox"))

    assert _inbox_order(inbox)[:2] == [waiting.pk, urgent.pk]


# --- who is told, through the notification channels ----------------------------------------------


def _mastodon(org, httpserver):
    account = ServiceAccountFactory(
        department=org.own, platform="mastodon", platform_id="1", api_base_url=httpserver.url_for("/"),
        display_name="Exempelby på Mastodon", admins=[org.alice, org.bob],
    )  # fmt: skip
    Credential.objects.create(account=account, name="access_token", ciphertext=crypto.encrypt("t"))
    return account


def test_a_failed_reply_tells_its_author_and_the_administrators_by_mail(
    org, httpserver, django_capture_on_commit_callbacks
):
    account = _mastodon(org, httpserver)
    case = open_case(account, platform_id="77", text="När töms soporna?")
    httpserver.expect_request("/api/v1/statuses/77/context").respond_with_json(
        {"ancestors": [], "descendants": []}
    )
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(
        {"error": "Validation failed"}, status=422
    )
    author = org.alice
    with django_capture_on_commit_callbacks():
        reply = services.reply_submit(actor=author, case=case, text="Hej! På tisdag.")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.reply_publish_run(reply_id=reply.pk)

    assert Reply.objects.get(pk=reply.pk).status == Reply.Status.FAILED
    (message,) = mail.outbox
    assert sorted(message.to) == sorted({org.alice.email, org.bob.email})
    assert "kunde inte publiceras" in message.subject
    assert case.get_absolute_url() in message.body
    assert "På tisdag" not in message.body  # the notice names the case, never the text
    assert case.events.filter(action="notified").exists()


class Recorder(notify.Channel):
    name = "recorder"
    sent: list = []

    def send(self, people, notice):
        self.sent.append(([person.username for person in people], notice.subject))
        return [person.username for person in people]


def test_notices_go_through_every_configured_channel(org, facebook, httpserver, settings, monkeypatch):
    monkeypatch.setitem(notify.CHANNELS, Recorder.name, Recorder)
    settings.SMGOV_NOTIFY_CHANNELS = ["mail", "recorder"]
    Recorder.sent = []
    case = open_case(facebook, platform_id="c_9")
    services.case_remove(actor=org.alice, case=case, ground=RemovalGround.OTHER, reason="Spam")
    _refuse(httpserver, "/c_9")
    mail.outbox.clear()

    services.case_hide_run(case_id=case.pk)

    assert len(Recorder.sent) == 1 and "syns fortfarande" in Recorder.sent[0][1]
    assert set(Recorder.sent[0][0]) >= {"alice", "bob"}


def test_an_unknown_notification_channel_stops_start_up(settings):
    settings.SMGOV_NOTIFY_CHANNELS = ["mail", "pigeon"]
    (error,) = notify.check_notify_channels()
    assert "pigeon" in error.msg
    settings.SMGOV_NOTIFY_CHANNELS = ["mail"]
    assert notify.check_notify_channels() == []
