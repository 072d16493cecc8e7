"""Signing in: throttling of failed logins, the second factor, and how long a sign-in lasts."""

import time

import pytest
from django.conf import settings as project_settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import LAST_SEEN_KEY
from accounts.models import SignInEvent
from accounts.roles import Role
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery-9"
PRODUCTION_MFA_ROLES = ["information_unit", "registrar"]


def log_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


@pytest.fixture
def mfa_roles(settings):
    settings.SMGOV_MFA_REQUIRED_ROLES = PRODUCTION_MFA_ROLES


# Throttling


def test_five_wrong_passwords_lock_the_user_out_until_the_information_unit_lifts_it(client, db):
    person = UserFactory(username="eva.lind", roles=[Role.COMMUNICATOR])
    for _attempt in range(5):
        response = log_in(client, person.username, "wrong-password-1")
    response = log_in(client, person.username)
    assert response.status_code == 429
    html = response.content.decode()
    assert "För många misslyckade inloggningar" in html and "15 minuter" in html
    assert "_auth_user_id" not in client.session
    event = SignInEvent.objects.get(action=SignInEvent.Action.LOCKED_OUT)
    assert event.username == "eva.lind" and event.user == person

    unit = UserFactory(username="ida.strom", roles=[Role.INFORMATION_UNIT])
    unit_client = type(client)()
    unit_client.force_login(unit)
    assert f'href="{reverse("signin:lockouts")}"' in unit_client.get(reverse("dashboard")).content.decode()
    page = unit_client.get(reverse("signin:lockouts"))
    assert "eva.lind" in page.content.decode()
    (attempt,) = page.context["lockouts"]
    lift_url = reverse("signin:lockout_lift", args=[attempt.pk])
    refused = unit_client.post(lift_url, {"comment": "ringde"})  # not confirmed
    assert refused.status_code == 200 and "Bekräfta" in refused.content.decode()
    unit_client.post(lift_url, {"confirm": "on", "comment": "Ringde upp och kontrollerade"})
    lifted = SignInEvent.objects.get(action=SignInEvent.Action.LOCKOUT_LIFTED)
    assert lifted.actor == unit and lifted.username == "eva.lind"

    response = log_in(client, person.username)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(person.pk)


def test_lockouts_page_and_lifting_need_the_information_unit(client, db):
    person = UserFactory(roles=[Role.COMMUNICATOR])
    for _attempt in range(5):
        log_in(client, person.username, "wrong-password-1")
    client.force_login(UserFactory(roles=[Role.WEB_COMMUNICATOR]))
    assert client.get(reverse("signin:lockouts")).status_code == 403
    assert client.post(reverse("signin:lockout_lift", args=[1]), {"confirm": "on"}).status_code == 403
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username=person.username).exists()


def test_failures_from_one_address_lock_that_address_for_every_name(client, db):
    UserFactory(username="kim.ek", roles=[Role.COMMUNICATOR])
    for number in range(5):
        log_in(client, f"guess{number}", "wrong-password-1", REMOTE_ADDR="10.1.2.3")
    assert log_in(client, "kim.ek", REMOTE_ADDR="10.1.2.3").status_code == 429
    assert log_in(client, "kim.ek", REMOTE_ADDR="10.9.9.9").status_code == 302


def test_behind_the_proxy_each_client_address_counts_on_its_own(client, db, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    UserFactory(username="kim.ek", roles=[Role.COMMUNICATOR])
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for number in range(5):
        log_in(
            client,
            f"guess{number}",
            "wrong-password-1",
            HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1",
            **proxy,
        )
    assert log_in(client, "kim.ek", HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1", **proxy).status_code == 429
    assert (
        log_in(client, "kim.ek", HTTP_X_FORWARDED_FOR="198.51.100.20, 10.0.0.1", **proxy).status_code == 302
    )


# The second factor


def test_totp_enrolment_and_login_with_a_code(client, db, mfa_roles):
    registrar = UserFactory(username="per.svensson", roles=[Role.REGISTRAR])
    response = log_in(client, registrar.username)
    assert response.status_code == 302
    # A registrar without a device is sent to set one up, and can open nothing else.
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("signin:setup"))
    assert client.get(reverse("archive:search"))["Location"].startswith(reverse("signin:setup"))
    setup = client.get(reverse("signin:setup"))
    assert "Tvåstegsinloggning" in setup.content.decode()
    assert setup.context["navigation"] == []  # no menu of pages that would not open

    page = client.get(reverse("signin:authenticator_add"))
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.content.decode()
    key = page.context["form"].initial["key"]
    secret = bytes.fromhex(_key_of(key))
    wrong = client.post(reverse("signin:authenticator_add"), {"key": key, "token": "000000"})
    assert "Koden stämmer inte" in wrong.content.decode()
    done = client.post(
        reverse("signin:authenticator_add"), {"key": key, "token": f"{totp(secret):06d}", "next": "/"}
    )
    codes = done.context["codes"]
    assert len(codes) == 10 and "Dina reservkoder" in done.content.decode()
    assert client.get(reverse("dashboard")).status_code == 200

    # The next login asks for the code.
    client.post(reverse("logout"))
    log_in(client, registrar.username)
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("signin:verify"))
    device = TOTPDevice.objects.get(user=registrar)
    response = client.post(reverse("signin:verify"), {"token": f"{totp(secret, t0=-30):06d}", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("dashboard")).status_code == 200
    assert device.name


def _key_of(signed):
    from django.core import signing

    from accounts.signin_views import TOTP_KEY_SALT

    return signing.loads(signed, salt=TOTP_KEY_SALT)["key"]


def test_a_recovery_code_works_once(client, db, mfa_roles):
    unit = UserFactory(roles=[Role.INFORMATION_UNIT])
    client.force_login(unit)
    page = client.get(reverse("signin:authenticator_add"))
    key = page.context["form"].initial["key"]
    done = client.post(
        reverse("signin:authenticator_add"), {"key": key, "token": f"{totp(bytes.fromhex(_key_of(key))):06d}"}
    )
    code = done.context["codes"][0]

    client.post(reverse("logout"))
    client.force_login(unit)
    response = client.post(reverse("signin:verify"), {"token": code})
    assert response.status_code == 302
    assert SignInEvent.objects.filter(action=SignInEvent.Action.RECOVERY_CODE_USED, user=unit).count() == 1

    client.post(reverse("logout"))
    client.force_login(unit)
    again = client.post(reverse("signin:verify"), {"token": code})
    assert again.status_code == 200 and "redan använts" in again.content.decode()
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("signin:verify"))


def test_a_communicator_is_not_asked_for_a_second_factor_by_default(client, db, mfa_roles):
    communicator = UserFactory(roles=[Role.COMMUNICATOR])
    log_in(client, communicator.username)
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_default_roles_that_need_a_second_factor():
    from smgov import settings as defaults

    assert sorted(defaults.SMGOV_MFA_REQUIRED_ROLES) == PRODUCTION_MFA_ROLES
    assert project_settings.OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is False


def test_passkey_pages_render_and_the_ceremony_endpoints_answer(client, db, mfa_roles):
    registrar = UserFactory(roles=[Role.REGISTRAR])
    client.force_login(registrar)
    html = client.get(reverse("signin:setup")).content.decode()
    assert 'id="passkey-register-button"' in html and "otp_webauthn_register.js" in html
    begin = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert begin.status_code == 200
    options = begin.json()
    assert options["rp"]["name"] == project_settings.MUNICIPALITY_NAME
    assert options["user"]["name"] == registrar.username
    catalog = client.get(reverse("otp_webauthn:js-i18n-catalog"))
    assert catalog.status_code == 200 and "Nyckeln lades till." in catalog.content.decode()


# How long a sign-in lasts


def test_login_rotates_the_session_key(client, db):
    person = UserFactory(roles=[Role.COMMUNICATOR])
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    log_in(client, person.username)
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_logout_ends_the_sign_in_on_the_server(client, db):
    person = UserFactory(roles=[Role.COMMUNICATOR])
    log_in(client, person.username)
    key = client.session.session_key
    cookie = client.cookies[project_settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    replay = type(client)()
    replay.cookies[project_settings.SESSION_COOKIE_NAME] = cookie
    assert replay.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


def test_an_idle_sign_in_ends_after_the_configured_minutes(client, db, settings):
    settings.SMGOV_SESSION_IDLE_MINUTES = 30
    person = UserFactory(roles=[Role.COMMUNICATOR])
    log_in(client, person.username)
    assert client.get(reverse("dashboard")).status_code == 200
    key = client.session.session_key
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get(reverse("dashboard")).status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "30 minuter" in response.content.decode()
    assert not Session.objects.filter(session_key=key).exists()
