"""The account register's rules, enforced in accounts/services.py."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import selectors, services
from accounts.models import AccountEvent, AccountState
from tests.factories import UserFactory, submitted_request


def request_account(org, **overrides):
    values = dict(
        actor=org.alice,
        department=org.own,
        administrators=[org.alice, org.bob],
        platform="instagram",
        display_name="Exempelby kommun – Skolan",
        purpose="Information till vårdnadshavare.",
        target_audience="Vårdnadshavare.",
        goals="Nå vårdnadshavare snabbare.",
        channel_rationale="Vårdnadshavarna finns på Instagram.",
        resources="Två kommunikatörer turas om.",
    )
    values.update(overrides)
    return submitted_request(**values)


def test_n10_request_records_purpose_analysis_and_tells_the_head(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account = request_account(org)
    assert account.state == AccountState.REQUESTED
    assert account.request.channel_rationale == "Vårdnadshavarna finns på Instagram."
    assert account.events.get().action == AccountEvent.Action.REQUESTED
    assert [message.to for message in mail.outbox] == [[org.head.email]]


def test_n11_request_requires_graphic_profile(org):
    with pytest.raises(ValidationError, match="graphic profile|grafiska profil"):
        request_account(org, graphic_profile_confirmed=False)


def test_f2_request_requires_two_administrators(org):
    with pytest.raises(ValidationError):
        request_account(org, administrators=[org.alice])
    with pytest.raises(ValidationError):
        request_account(org, administrators=[org.alice, org.alice])


def test_n5_untrained_person_cannot_be_administrator(org):
    untrained = UserFactory(department=org.own, trained_on=None)
    with pytest.raises(ValidationError):
        request_account(org, administrators=[org.alice, untrained])
    with pytest.raises(ValidationError):
        services.administrator_add(actor=org.alice, account=org.account, user=untrained)
    untrained.trained_on = date(2026, 3, 1)
    untrained.save()
    services.administrator_add(actor=org.alice, account=org.account, user=untrained)
    assert untrained in org.account.administrators.all()


def test_n2_communicator_cannot_request_for_another_department(org):
    with pytest.raises(PermissionDenied):
        request_account(org, actor=org.charlie)


def test_n1_only_the_head_of_the_department_decides(org, django_capture_on_commit_callbacks):
    account = request_account(org)
    for outsider in (org.other_head, org.alice, org.info):
        with pytest.raises(PermissionDenied):
            services.account_decide(actor=outsider, account=account, decision="approve")
    with django_capture_on_commit_callbacks(execute=True):
        services.account_decide(actor=org.head, account=account, decision="approve")
    account.refresh_from_db()
    assert account.state == AccountState.APPROVED
    decision = account.events.filter(action=AccountEvent.Action.APPROVED).get()
    assert decision.actor == org.head and decision.from_state == AccountState.REQUESTED
    assert mail.outbox[0].to == [org.alice.email]


def test_n1_return_and_reject_need_a_reason(org):
    account = request_account(org)
    with pytest.raises(ValidationError):
        services.account_decide(actor=org.head, account=account, decision="return", comment=" ")
    services.account_decide(
        actor=org.head, account=account, decision="return", comment="Beskriv helgbemanningen."
    )
    account.refresh_from_db()
    assert account.state == AccountState.RETURNED
    services.account_request_resubmit(
        actor=org.alice, account=account, purpose="Ny analys.", comment="Klart."
    )
    account.refresh_from_db()
    assert account.state == AccountState.REQUESTED and account.purpose == "Ny analys."


def test_decision_only_from_requested(org):
    with pytest.raises(ValidationError):
        services.account_decide(actor=org.head, account=org.account, decision="approve")


def test_f2_removing_second_to_last_administrator_is_refused(org):
    with pytest.raises(ValidationError, match="minst två administratörer"):
        services.administrator_remove(actor=org.alice, account=org.account, user=org.bob)
    assert org.account.administrators.count() == 2
    third = UserFactory(department=org.own)
    services.administrator_add(actor=org.alice, account=org.account, user=third)
    services.administrator_remove(actor=org.alice, account=org.account, user=org.bob)
    assert set(org.account.administrators.all()) == {org.alice, third}
    assert not org.bob.has_perm("accounts.manage_credentials", org.account)


def test_f2_account_cannot_be_activated_with_fewer_than_two_active_administrators(org):
    account = request_account(org)
    services.account_decide(actor=org.head, account=account, decision="approve")
    org.bob.is_active = False
    org.bob.save()
    with pytest.raises(ValidationError):
        services.account_activate(actor=org.alice, account=account)
    org.bob.is_active = True
    org.bob.save()
    services.account_activate(actor=org.alice, account=account)
    account.refresh_from_db()
    assert account.state == AccountState.ACTIVE


def test_f2_deactivated_administrator_flags_account_and_mails_the_rest(
    org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        short = services.user_deactivate(actor=org.info, user=org.bob)
    assert short == [org.account]
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {org.alice.email, org.info.email}
    assert org.account in selectors.accounts_short_of_administrators(user=org.alice)


def test_state_machine_pause_resume_retire(org):
    services.account_pause(actor=org.alice, account=org.account, comment="Semester.")
    assert org.account.state == AccountState.PAUSED
    services.account_resume(actor=org.alice, account=org.account)
    assert org.account.state == AccountState.ACTIVE
    services.account_retire(actor=org.alice, account=org.account)
    with pytest.raises(ValidationError):
        services.account_resume(actor=org.alice, account=org.account)
    actions = list(org.account.events.values_list("action", flat=True))
    assert actions == ["retired", "resumed", "paused"]


def test_outsider_cannot_change_another_departments_account(org):
    with pytest.raises(PermissionDenied):
        services.account_pause(actor=org.charlie, account=org.account)


def test_n13_account_overdue_for_check_until_a_person_checks_it(org):
    org.account.last_checked_at = timezone.now() - timedelta(hours=25)
    org.account.save()
    assert list(selectors.accounts_overdue_for_check(user=org.alice)) == [org.account]
    services.account_mark_checked(actor=org.bob, account=org.account)
    assert list(selectors.accounts_overdue_for_check(user=org.alice)) == []
    later = timezone.now() + timedelta(hours=25)
    assert list(selectors.accounts_overdue_for_check(user=org.alice, now=later)) == [org.account]


def test_f2_deactivating_in_the_admin_goes_through_the_service(
    org, client, django_capture_on_commit_callbacks
):
    org.info.is_staff = org.info.is_superuser = True
    org.info.save()
    client.force_login(org.info)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/accounts/user/",
            {"action": "deactivate", "_selected_action": [org.bob.pk]},
            follow=True,
        )
    assert response.status_code == 200
    org.bob.refresh_from_db()
    assert not org.bob.is_active
    assert org.account.events.filter(action="admin_deactivated").exists()
    assert {address for message in mail.outbox for address in message.to} >= {org.alice.email}
