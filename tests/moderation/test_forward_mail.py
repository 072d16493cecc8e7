"""F9/N5: the mail to an outside expert carries the comment and can be answered, by link or by reply."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.models import CaseEvent, CaseState
from smgov.lib import mail as smgov_mail

from .conftest import open_case


def _forward(org, case, **recipient):
    return services.forward_create(
        actor=org.alice,
        case=case,
        question="Stämmer det att parkeringen plogas i morgon?",
        due_on=timezone.localdate() + timedelta(days=3),
        **recipient,
    )


@pytest.fixture
def sent(org, django_capture_on_commit_callbacks):
    case = open_case(
        org.account, text="När plogas skolans parkering? Det är isigt.", author_name="Eva Invånare"
    )
    with django_capture_on_commit_callbacks(execute=True):
        forward = _forward(org, case, to_email="expert@konsult.example")
    (message,) = mail.outbox
    return case, forward, message


def test_f9_expert_mail_carries_the_comment_its_author_time_and_platform(org, sent):
    case, forward, message = sent
    record = case.record
    assert message.to == ["expert@konsult.example"]
    assert "När plogas skolans parkering? Det är isigt." in message.body
    assert "Eva Invånare" in message.body
    assert f"på {case.account.get_platform_display()}" in message.body
    local = timezone.localtime(record.published_at)
    assert f"{local.day} november 2026 kl. {local:%H.%M}" in message.body
    assert record.permalink in message.body  # the comment in its thread on the platform
    assert "Stämmer det att parkeringen plogas i morgon?" in message.body


def test_f9_expert_mail_is_swedish_and_can_be_answered(org, sent):
    _case, forward, message = sent
    assert message.subject.startswith("En fråga om en kommentar på")
    assert "Svara senast" in message.subject or "svara senast" in message.subject
    assert "Frågan:" in message.body and "utan inloggning" in message.body
    assert forward.get_absolute_url() in message.body
    assert message.reply_to == [org.alice.email]
    assert message.from_email == "Exempelby kommun <sociala-medier@exempelby.se>"
    assert "localhost" not in message.from_email


def test_f9_mail_is_in_swedish_even_when_the_communicator_uses_english(
    org, case, django_capture_on_commit_callbacks
):
    from django.utils import translation

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        _forward(org, case, to_email="expert@konsult.example")
    assert mail.outbox[0].subject.startswith("En fråga om en kommentar")


def test_f9_outside_expert_answers_through_the_link_without_login(
    client, org, sent, django_capture_on_commit_callbacks
):
    case, forward, _message = sent
    url = forward.get_absolute_url()
    page = client.get(url)
    assert page.status_code == 200
    assert "När plogas skolans parkering?" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"answer": "Ja, klockan sex."})
    assert response.status_code == 302
    forward.refresh_from_db()
    case.refresh_from_db()
    assert forward.answer == "Ja, klockan sex." and forward.answered_at
    assert case.state == CaseState.IN_PROGRESS
    event = case.events.get(action=CaseEvent.Action.FORWARD_ANSWERED)
    assert event.actor is None and event.note == "expert@konsult.example"
    assert mail.outbox[-1].to == [org.alice.email]  # the asker is told


def test_f9_the_link_answers_once_and_shows_no_comment_afterwards(client, org, sent):
    _case, forward, _message = sent
    url = forward.get_absolute_url()
    client.post(url, {"answer": "Ja."})
    again = client.post(url, {"answer": "Nej, förresten."})
    forward.refresh_from_db()
    assert forward.answer == "Ja."
    assert "När plogas" not in again.content.decode()


def test_f9_the_link_stops_when_the_case_is_closed(client, org, sent):
    case, forward, _message = sent
    services.case_close_no_action(actor=org.alice, case=case)
    page = client.get(forward.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "När plogas" not in body and "ärendet har stängts" in body.lower()
    client.post(forward.get_absolute_url(), {"answer": "Sent svar"})
    forward.refresh_from_db()
    assert not forward.answered_at


def test_f9_a_question_to_a_person_with_a_login_still_needs_that_login(
    client, org, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        forward = _forward(org, case, to_user=org.head)
    assert "logga in" in mail.outbox[0].body.lower()
    assert client.get(forward.get_absolute_url()).status_code == 302
    client.post(forward.get_absolute_url(), {"answer": "Svar"})
    forward.refresh_from_db()
    assert not forward.answered_at


def test_the_sender_comes_from_the_settings_and_a_localhost_sender_is_warned_of():
    assert smgov_mail.sender_is_local("smgov <noreply@localhost>")
    assert not smgov_mail.sender_is_local("Exempelby kommun <sociala-medier@exempelby.se>")
    with override_settings(DEFAULT_FROM_EMAIL="smgov <noreply@localhost>"):
        (warning,) = smgov_mail.check_mail_sender()
        assert warning.id == "smgov.W101"
        with pytest.raises(SystemCheckError, match="smgov.W101"):
            call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")
        with override_settings(PRODUCTION=True), pytest.raises(SystemCheckError, match="smgov.W101"):
            call_command("check", "--fail-level", "WARNING", "--tag", "security")
    assert smgov_mail.check_mail_sender() == []


def test_f9_a_mistyped_address_gets_its_own_error_and_nothing_untrue(client, org, case):
    client.force_login(org.alice)
    response = client.post(
        reverse("moderation:forward", args=[case.pk]),
        {"to_email": "expert@konsult", "question": "Stämmer det?", "due_on": "2099-01-01"},
    )
    assert response.status_code == 400
    form = response.context["forward_form"]
    assert form.errors["to_email"] and not form.non_field_errors()
    assert "Stämmer det?" in response.content.decode()  # what was typed is kept
    assert not case.forwards.exists()
