"""The actions on a case, each enforced in its service and tested by its rule ID."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import crypto
from accounts.models import Credential
from accounts.roles import Role
from moderation import services
from moderation.flags import RemovalGround
from moderation.models import CaseEvent, CaseState, PlatformAction, Reply, SavedReply
from moderation.selectors import saved_reply_text
from registry.models import RegistrationRequest
from tests.factories import ServiceAccountFactory, UserFactory

from .conftest import OWN_ACCOUNT_ID, open_case, posted_status

Action = CaseEvent.Action


def actions(case):
    return list(case.events.values_list("action", flat=True))


# --- F3: signature ------------------------------------------------------------------------------


def test_f3_reply_is_signed_with_name_and_title(org, case):
    reply = services.reply_submit(actor=org.alice, case=case, text="Hej Eva! Vi plogar i morgon.")
    assert reply.signature == "/Alice, Kommunikatör"
    assert reply.full_text.endswith("\n\n/Alice, Kommunikatör")


def test_f3_person_without_title_cannot_send(org, case):
    org.alice.title = ""
    org.alice.save(update_fields=["title"])
    with pytest.raises(ValidationError, match="titel"):
        services.reply_submit(actor=org.alice, case=case, text="Hej!")
    assert not Reply.objects.exists()


def test_f3_case_page_shows_why_a_person_without_title_cannot_reply(client, org, case):
    org.alice.title = ""
    org.alice.save(update_fields=["title"])
    client.force_login(org.alice)
    response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    assert response.context["signature_problem"]
    response = client.post(f"/inkorg/arende/{case.pk}/svara/", {"text": "Hej"})
    assert response.status_code == 400
    assert not Reply.objects.exists()


# --- replies: through the connector where the platform can, else by hand ------------------------


def test_reply_on_platform_without_api_is_recorded_as_answered_by_hand(org):
    account = ServiceAccountFactory(department=org.own, platform="bluesky", admins=[org.alice, org.bob])
    case = open_case(account)
    reply = services.reply_submit(actor=org.alice, case=case, text="Hej!")
    assert reply.status == Reply.Status.MANUAL
    services.reply_record_manual(actor=org.alice, reply=reply, permalink="https://bsky.app/profile/x/post/1")
    case.refresh_from_db()
    reply.refresh_from_db()
    assert case.state == CaseState.ANSWERED and case.closed_at
    assert reply.status == Reply.Status.ANSWERED_MANUALLY and reply.permalink


def test_reply_is_published_through_the_connector_after_commit(
    org, httpserver, django_capture_on_commit_callbacks
):
    account = ServiceAccountFactory(
        department=org.own,
        platform="mastodon",
        platform_id=OWN_ACCOUNT_ID,
        api_base_url=httpserver.url_for("/"),
        admins=[org.alice, org.bob],
    )
    Credential.objects.create(account=account, name="access_token", ciphertext=crypto.encrypt("secret-token"))
    case = open_case(account, platform_id="109")
    httpserver.expect_request("/api/v1/statuses/109/context").respond_with_json(
        {"ancestors": [], "descendants": []}
    )
    httpserver.expect_request(
        "/api/v1/statuses", method="POST", headers={"Authorization": "Bearer secret-token"}
    ).respond_with_json(posted_status("110", in_reply_to="109"))
    with django_capture_on_commit_callbacks() as callbacks:
        reply = services.reply_submit(actor=org.alice, case=case, text="Hej Eva!")
    assert len(callbacks) == 1 and reply.status == Reply.Status.PUBLISHING
    services.reply_publish_run(reply_id=reply.pk)  # what the queued task runs
    httpserver.check_assertions()
    reply.refresh_from_db()
    case.refresh_from_db()
    assert reply.status == Reply.Status.PUBLISHED and reply.platform_reply_id == "110"
    assert case.state == CaseState.ANSWERED
    sent = next(request for request, _ in httpserver.log if request.method == "POST").form
    assert sent["in_reply_to_id"] == "109" and sent["status"].endswith("/Alice, Kommunikatör")
    assert Action.REPLY_PUBLISHED in actions(case)


def test_failed_publish_is_recorded_on_the_reply(org, httpserver, django_capture_on_commit_callbacks):
    account = ServiceAccountFactory(
        department=org.own,
        platform="mastodon",
        api_base_url=httpserver.url_for("/"),
        admins=[org.alice, org.bob],
    )
    Credential.objects.create(account=account, name="access_token", ciphertext=crypto.encrypt("t"))
    case = open_case(account)
    httpserver.expect_request(re.compile(r"/api/v1/statuses/\d+/context")).respond_with_json(
        {"ancestors": [], "descendants": []}
    )
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(
        {"error": "nope"}, status=422
    )
    with django_capture_on_commit_callbacks():
        reply = services.reply_submit(actor=org.alice, case=case, text="Hej!")
    services.reply_publish_run(reply_id=reply.pk)
    reply.refresh_from_db()
    case.refresh_from_db()
    assert reply.status == Reply.Status.FAILED and reply.error
    assert case.is_open
    assert Action.REPLY_FAILED in actions(case)


# --- N5: expert review before publishing ---------------------------------------------------------


def test_n5_reply_waits_for_the_expert_and_is_published_on_approval(org):
    expert = UserFactory(username="expert", department=org.own, title="Skolchef")
    account = ServiceAccountFactory(department=org.own, platform="bluesky", admins=[org.alice, org.bob])
    case = open_case(account)
    reply = services.reply_submit(actor=org.alice, case=case, text="Hej!", reviewer=expert)
    case.refresh_from_db()
    assert reply.status == Reply.Status.AWAITING_REVIEW and case.state == CaseState.WAITING_FOR_EXPERT
    assert expert.has_perm("moderation.answer_case", case)
    with pytest.raises(PermissionDenied):
        services.reply_review(actor=org.bob, reply=reply, approve=True)
    services.reply_review(actor=expert, reply=reply, approve=True, note="Bra svar")
    reply.refresh_from_db()
    case.refresh_from_db()
    assert reply.reviewed_by == expert and reply.status == Reply.Status.MANUAL
    assert case.state == CaseState.IN_PROGRESS


def test_n5_returned_reply_is_not_published(org, case):
    expert = UserFactory(username="expert", department=org.own)
    reply = services.reply_submit(actor=org.alice, case=case, text="Hej!", reviewer=expert)
    services.reply_review(actor=expert, reply=reply, approve=False, note="Fel datum")
    reply.refresh_from_db()
    assert reply.status == Reply.Status.RETURNED and reply.platform_reply_id == ""


# --- N9: criticism is discussed with the manager first ------------------------------------------


def test_n9_criticism_waits_for_the_manager_before_anyone_replies(
    org, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.case_request_manager(actor=org.alice, case=case, note="Kritik mot skolskjutsen")
    assert mail.outbox[0].to == [org.head.email]
    case.refresh_from_db()
    with pytest.raises(ValidationError):
        services.reply_submit(actor=org.alice, case=case, text="Hej!")
    with pytest.raises(PermissionDenied):
        services.case_clear_manager(actor=org.other_head, case=case)
    services.case_clear_manager(actor=org.head, case=case, note="Vi svarar sakligt")
    case.refresh_from_db()
    assert not case.waiting_for_manager
    assert services.reply_submit(actor=org.alice, case=case, text="Hej!")


def test_n9_checkbox_on_the_reply_form_routes_to_the_manager(client, org, case):
    client.force_login(org.alice)
    response = client.post(
        f"/inkorg/arende/{case.pk}/svara/", {"text": "Utkast", "discuss_with_manager": "on"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.waiting_for_manager and not Reply.objects.exists()


# --- F9: forward to the head of operations or an expert ------------------------------------------


def test_f9_forward_mails_the_expert_and_the_answer_returns_to_the_case(
    client, org, case, django_capture_on_commit_callbacks
):
    expert = UserFactory(username="expert", department=org.own, title="Rektor")
    with django_capture_on_commit_callbacks(execute=True):
        forward = services.forward_create(
            actor=org.alice, case=case, question="Stämmer det att skolan stänger?",
            due_on=timezone.localdate() + timedelta(days=2), to_user=expert,
        )  # fmt: skip
    case.refresh_from_db()
    assert case.state == CaseState.WAITING_FOR_EXPERT
    assert mail.outbox[0].to == [expert.email] and forward.get_absolute_url() in mail.outbox[0].body
    # the answer page needs a login and that person's object permission
    url = forward.get_absolute_url()
    assert client.get(url).status_code == 302
    client.force_login(org.bob)
    assert client.get(url).status_code == 403
    client.force_login(expert)
    assert client.get(url).status_code == 200
    response = client.post(url, {"answer": "Nej, den stänger inte."})
    assert response.status_code == 302
    forward.refresh_from_db()
    case.refresh_from_db()
    assert forward.answer == "Nej, den stänger inte." and forward.answered_by == expert
    assert case.state == CaseState.IN_PROGRESS
    assert Action.FORWARD_ANSWERED in actions(case)


def test_f9_forward_to_an_outside_address_is_answered_by_the_communicator(org, case):
    forward = services.forward_create(
        actor=org.alice,
        case=case,
        question="Fråga",
        due_on=timezone.localdate(),
        to_email="expert@konsult.example",
    )
    assert forward.to_user is None
    services.forward_answer(actor=org.bob, forward=forward, answer="Svar via e-post")
    forward.refresh_from_db()
    assert forward.answered_at


def test_f9_forward_needs_a_recipient_and_a_future_due_date(org, case):
    with pytest.raises(ValidationError):
        services.forward_create(actor=org.alice, case=case, question="Fråga", due_on=timezone.localdate())
    with pytest.raises(ValidationError):
        services.forward_create(
            actor=org.alice,
            case=case,
            question="Fråga",
            due_on=timezone.localdate() - timedelta(days=1),
            to_user=org.head,
        )


# --- F7 / N14: removal on a legal ground ---------------------------------------------------------


def test_f7_removal_requires_a_ground_and_other_needs_a_reason(org, case):
    with pytest.raises(ValidationError):
        services.case_remove(actor=org.alice, case=case, ground="")
    with pytest.raises(ValidationError):
        services.case_remove(actor=org.alice, case=case, ground=RemovalGround.OTHER, reason=" ")
    case.refresh_from_db()
    assert case.state == CaseState.NEW and case.record.removed_at is None


def test_n14_removed_comment_stays_in_archive_and_goes_to_the_registrar(org):
    case = open_case(org.account, text="Jag vet var du bor")  # mastodon: cannot hide through the API
    services.case_remove(actor=org.alice, case=case, ground=RemovalGround.UNLAWFUL_THREAT)
    case.refresh_from_db()
    record = case.record
    record.refresh_from_db()
    assert case.state == CaseState.REMOVED and case.closed_by == org.alice
    assert record.removed_by == org.alice and record.removal_ground == "unlawful_threat"
    assert record.text == "Jag vet var du bor"  # kept in the archive
    request = RegistrationRequest.objects.get(record=record)
    assert request.reason == RegistrationRequest.Reason.SECRET and request.requested_by == org.alice
    assert case.platform_action == PlatformAction.MANUAL
    assert actions(case)[-2:] == [Action.REMOVED, Action.REGISTRATION]


def test_n14_removal_hides_the_comment_on_platforms_that_can(
    org, httpserver, django_capture_on_commit_callbacks
):
    account = ServiceAccountFactory(
        department=org.own, platform="facebook", platform_id="page1", api_base_url=httpserver.url_for("/"),
        admins=[org.alice, org.bob],
    )  # fmt: skip
    Credential.objects.create(account=account, name="access_token", ciphertext=crypto.encrypt("t"))
    case = open_case(account, platform_id="c_77")
    httpserver.expect_request("/c_77", method="POST").respond_with_json({"success": True})
    with django_capture_on_commit_callbacks() as callbacks:
        services.case_remove(actor=org.alice, case=case, ground=RemovalGround.OTHER, reason="Spam")
    assert len(callbacks) == 1
    case.refresh_from_db()
    assert case.platform_action == PlatformAction.PENDING
    services.case_hide_run(case_id=case.pk)
    case.refresh_from_db()
    assert case.platform_action == PlatformAction.DONE, case.platform_error


def test_n14_a_removal_the_platform_refuses_tells_the_remover_and_the_administrators(
    org, httpserver, django_capture_on_commit_callbacks
):
    account = ServiceAccountFactory(
        department=org.own, platform="facebook", platform_id="page1", api_base_url=httpserver.url_for("/"),
        admins=[org.alice, org.bob],
    )  # fmt: skip
    Credential.objects.create(account=account, name="access_token", ciphertext=crypto.encrypt("t"))
    case = open_case(account, platform_id="c_78", text="Jag vet var du bor")
    httpserver.expect_request("/c_78", method="POST").respond_with_json(
        {"error": {"code": 2, "message": "Service temporarily unavailable", "is_transient": False}},
        status=400,
    )
    remover = UserFactory(department=org.own, roles=[Role.COMMUNICATOR], email="dana@example.se")
    services.case_remove(actor=remover, case=case, ground=RemovalGround.OTHER, reason="Hot")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.case_hide_run(case_id=case.pk)

    case.refresh_from_db()
    assert case.platform_action == PlatformAction.FAILED
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted({org.alice.email, org.bob.email, "dana@example.se"})
    assert "syns fortfarande" in message.subject
    assert "Jag vet var du bor" not in message.body  # the mail names the case, never the text
    assert case.get_absolute_url() in message.body


def test_f7_csam_is_purged_and_nothing_of_it_is_shown(client, org):
    case = open_case(org.account, text="länk till barnporr här")
    services.case_remove(actor=org.alice, case=case, ground=RemovalGround.CSAM)
    case.refresh_from_db()
    record = case.record
    record.refresh_from_db()
    assert record.purged_at and record.text == "" and record.raw_json == {}
    assert not case.flags.exclude(matched="").exists()
    client.force_login(org.alice)
    response = client.get(case.get_absolute_url())
    body = response.content.decode()
    assert "barnporr" not in body
    assert "polisen.se/anmal-brott" in body and "114 14" in body


# --- N12: saved replies ---------------------------------------------------------------------------


def test_n12_saved_replies_refer_to_website_feedback_form_and_private_contact(org, case, settings):
    purposes = set(SavedReply.objects.values_list("purpose", flat=True))
    assert {"website", "feedback", "private"} <= purposes
    feedback = SavedReply.objects.get(purpose="feedback")
    text = saved_reply_text(saved_reply=feedback, case=case)
    assert settings.FEEDBACK_FORM_URL in text and text.startswith("Hej Eva!")


def test_n12_a_saved_reply_is_added_to_what_was_typed_and_nothing_is_sent(client, org, case):
    """Without JavaScript the "use" button sends the form; the text typed so far is kept."""
    saved = SavedReply.objects.get(purpose="website")
    client.force_login(org.alice)
    response = client.post(
        reverse("moderation:reply", args=[case.pk]), {"text": "Tack för frågan.", "use_saved": saved.pk}
    )
    assert response.status_code == 200
    text = response.context["reply_form"].initial["text"]
    assert text.startswith("Tack för frågan.\n\nHej Eva!")
    assert not case.replies.exists()
    html = response.content.decode()
    assert f'data-insert-into="{response.context["reply_form"]["text"].id_for_label}"' in html


# --- no action, bulk ----------------------------------------------------------------------------


def test_no_action_closes_the_case_and_keeps_the_record(org, case):
    services.case_close_no_action(actor=org.alice, case=case, note="Beröm")
    case.refresh_from_db()
    assert case.state == CaseState.NO_ACTION and case.record.removed_at is None


def test_bulk_actions_touch_only_cases_the_person_may_handle(org):
    own = [open_case(org.account) for _ in range(3)]
    other = open_case(org.other_account)
    count = services.cases_assign_to_me(actor=org.alice, case_ids=[c.pk for c in own] + [other.pk])
    assert count == 3
    other.refresh_from_db()
    assert other.assignee is None
    assert services.cases_close_no_action(actor=org.alice, case_ids=[own[0].pk, other.pk]) == 1


# --- N21 / N13: overdue digest ------------------------------------------------------------------


def test_n21_overdue_cases_are_mailed_daily_per_department(org):
    old = open_case(org.account, published_at=timezone.now() - timedelta(days=3))
    open_case(org.account, published_at=timezone.now())  # not yet due
    open_case(org.other_account, published_at=timezone.now() - timedelta(days=3))
    assert services.overdue_digest_send() == 2
    own_mail = next(m for m in mail.outbox if org.alice.email in m.to)
    assert old.get_absolute_url() in own_mail.body and org.charlie.email not in own_mail.to
    assert own_mail.body.count("/inkorg/arende/") == 1


def test_n21_digest_task_is_scheduled_daily():
    from smgov.schedules import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["moderation-overdue-digest"]["task"] == "moderation.send_overdue_digest"
