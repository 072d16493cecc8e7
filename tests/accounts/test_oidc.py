"""Single sign-on against a real OpenID Connect provider on loopback (django-oauth-toolkit, in its own
process, tests/oidc_provider/): discovery, the code flow with PKCE, the ID token's checks, roles from
the provider's groups, and logout at the provider."""

import os
import re
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.urls import reverse

from accounts.models import SignInEvent, User
from accounts.roles import Role, roles_of
from tests.factories import DepartmentFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "smgov-test-client"
CLIENT_SECRET = "provider-secret-for-tests-0123456789"
PROVIDER_PASSWORD = "provider-password-4711"
CALLBACK = "http://testserver/inloggning/sso/callback/"
AFTER_LOGOUT = "http://testserver/logga-in/"
OIDC_BACKEND = "accounts.oidc.MunicipalityOIDCBackend"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The provider process; its base address. Stopped after the module."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    port = free_port()
    env = {
        **os.environ,
        "OIDC_PROVIDER_DB": str(tmp_path_factory.mktemp("oidc") / "provider.sqlite3"),
        "OIDC_PROVIDER_KEY": pem,
        "OIDC_PROVIDER_PASSWORD": PROVIDER_PASSWORD,
        "OIDC_PROVIDER_GROUPS": "sg-smgov-registrators,sg-kommunstyrelsen,sg-other",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.oidc_provider.serve",
            str(port),
            CLIENT_ID,
            CLIENT_SECRET,
            CALLBACK,
            AFTER_LOGOUT,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    discovery = f"{base}/o/.well-known/openid-configuration"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(discovery, timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the OIDC provider did not start: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def sso(settings, provider):
    settings.SMGOV_OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_DISCOVERY_URL = f"{provider}/o/.well-known/openid-configuration"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, OIDC_BACKEND]
    settings.SMGOV_OIDC_ROLE_MAP = {"sg-smgov-registrators": Role.REGISTRAR}
    settings.SMGOV_OIDC_DEPARTMENT_MAP = {"sg-kommunstyrelsen": "KS"}
    settings.SMGOV_MFA_REQUIRED_ROLES = ["information_unit", "registrar"]
    return provider


def sign_in_at_provider(client: Client, browser: requests.Session) -> requests.Response:
    """Start at smgov, sign in at the provider as a browser would, and come back with the code."""
    start = client.get(reverse("oidc_authentication_init"), {"next": "/"})
    assert start.status_code == 302
    authorize = start["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    response = browser.get(authorize, allow_redirects=False)
    login_url = urljoin(authorize, response.headers["Location"])
    page = browser.get(login_url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    next_value = unescape(re.search(r'name="next" value="([^"]*)"', page.text).group(1))
    response = browser.post(
        login_url,
        data={
            "csrfmiddlewaretoken": token,
            "username": "anna",
            "password": PROVIDER_PASSWORD,
            "next": next_value,
        },
        headers={"Referer": login_url},
        allow_redirects=False,
    )
    response = browser.get(urljoin(login_url, response.headers["Location"]), allow_redirects=False)
    callback = response.headers["Location"]
    assert callback.startswith(CALLBACK)
    split = urlsplit(callback)
    return client.get(split.path, parse_qs(split.query))


def test_discovery_names_the_endpoints(sso):
    from accounts.oidc import oidc_setting

    assert oidc_setting("OIDC_OP_TOKEN_ENDPOINT") == f"{sso}/o/token/"
    assert oidc_setting("OIDC_OP_JWKS_ENDPOINT") == f"{sso}/o/.well-known/jwks.json"
    assert oidc_setting("OIDC_OP_ISSUER") == f"{sso}/o"


def test_single_sign_on_creates_the_person_with_roles_and_department_and_logs_out_at_the_provider(
    sso, db, client
):
    department = DepartmentFactory(name="Kommunstyrelsen", series_code="KS")
    browser = requests.Session()
    response = sign_in_at_provider(client, browser)
    assert response.status_code == 302 and response["Location"] == "/"
    person = User.objects.get(email="anna.berg@exempelby.se")
    assert client.session["_auth_user_id"] == str(person.pk)
    assert (person.first_name, person.last_name, person.department) == ("Anna", "Berg", department)
    assert roles_of(person) == {Role.REGISTRAR}
    assert not person.has_usable_password()
    assert SignInEvent.objects.filter(action=SignInEvent.Action.ROLES_FROM_PROVIDER, user=person).exists()
    # The provider asked for the second factor: a registrar from single sign-on is not sent to set one up.
    assert client.get(reverse("dashboard")).status_code == 200

    logout = client.post(reverse("logout"))
    end_session = logout["Location"]
    assert end_session.startswith(f"{sso}/o/logout/") and "id_token_hint=" in end_session
    assert "_auth_user_id" not in client.session
    back = browser.get(end_session, allow_redirects=False)
    assert back.status_code == 302 and back.headers["Location"] == AFTER_LOGOUT
    # Signed out at the provider too: the next sign-in asks for the password again.
    again = browser.get(client.get(reverse("oidc_authentication_init"))["Location"], allow_redirects=False)
    assert urlsplit(again.headers["Location"]).path == "/login/"


def test_an_existing_person_is_matched_by_email_and_roles_follow_the_provider(sso, db, client):
    person = UserFactory(username="anna.berg", email="anna.berg@exempelby.se", roles=[Role.COMMUNICATOR])
    sign_in_at_provider(client, requests.Session())
    assert client.session["_auth_user_id"] == str(person.pk)
    person.refresh_from_db()
    assert roles_of(User.objects.get(pk=person.pk)) == {Role.REGISTRAR}
    assert User.objects.filter(email__iexact="anna.berg@exempelby.se").count() == 1


def test_an_id_token_from_another_issuer_is_refused(sso, db, client, settings):
    settings.OIDC_OP_ISSUER = "https://login.microsoftonline.com/another-tenant/v2.0"
    response = sign_in_at_provider(client, requests.Session())
    assert response.status_code == 302 and "sso=misslyckades" in response["Location"]
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "Den gemensamma inloggningen lyckades inte" in page.content.decode()


def test_a_deactivated_person_cannot_sign_in_with_the_provider(sso, db, client):
    UserFactory(username="anna.berg", email="anna.berg@exempelby.se", is_active=False)
    response = sign_in_at_provider(client, requests.Session())
    assert "sso=misslyckades" in response["Location"]
    assert "_auth_user_id" not in client.session


def test_with_single_sign_on_only_break_glass_accounts_use_a_password(sso, db, client, settings):
    settings.SMGOV_LOCAL_LOGIN_USERS = ["nod.admin"]
    UserFactory(username="eva.lind", roles=[Role.COMMUNICATOR])
    UserFactory(username="nod.admin", roles=[Role.COMMUNICATOR])
    page = client.get(reverse("login"))
    assert "Logga in med kommunens konto" in page.content.decode()
    refused = client.post(reverse("login"), {"username": "eva.lind", "password": "correct-horse-battery-9"})
    assert refused.status_code == 200 and "gemensam inloggning" in refused.content.decode()
    allowed = client.post(reverse("login"), {"username": "nod.admin", "password": "correct-horse-battery-9"})
    assert allowed.status_code == 302


def test_single_sign_on_is_off_unless_configured(client, db):
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert "Logga in med kommunens konto" not in client.get(reverse("login")).content.decode()
