"""Setting up an account: the checklist of what its platform needs, and "Test connection", which makes
one harmless request to the platform (a real local HTTP server serving recorded payloads)."""

from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from werkzeug import Response

from accounts import services
from accounts.models import AccountEvent, Credential, CredentialAccess
from archive.models import Record
from tests.factories import ServiceAccountFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGE_ID = "104512345678901"
MASTODON_ID = "109318473626781234"
TOKEN = "EAAB-page-token-for-the-test-4711"


def recorded(platform: str, name: str) -> bytes:
    return (FIXTURES / platform / name).read_bytes()


def _json(body: bytes, status: int = 200) -> Response:
    return Response(body, status=status, content_type="application/json")


@pytest.fixture
def facebook(org, httpserver):
    account = ServiceAccountFactory(
        department=org.own,
        admins=[org.alice, org.bob],
        platform="facebook",
        platform_id=PAGE_ID,
        api_base_url=httpserver.url_for("/").rstrip("/"),
    )
    services.credential_set(actor=org.alice, account=account, name="access_token", secret=TOKEN)
    return account


@pytest.fixture
def mastodon(org, httpserver):
    return ServiceAccountFactory(
        department=org.own,
        admins=[org.alice, org.bob],
        platform="mastodon",
        platform_id=MASTODON_ID,
        api_base_url=httpserver.url_for("/").rstrip("/"),
    )


def _test(client, user, account):
    client.force_login(user)
    response = client.post(reverse("accounts:test_connection", args=[account.pk]))
    assert response.status_code == 302 and response["Location"] == account.get_absolute_url()
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_checklist_names_what_a_facebook_page_needs_and_what_is_missing(client, org):
    account = ServiceAccountFactory(department=org.own, admins=[org.alice, org.bob], platform="facebook")
    client.force_login(org.alice)

    page = client.get(account.get_absolute_url()).content.decode()

    assert "Det här behöver insamlingen" in page
    assert "Page access token" in page  # what to create on the platform
    assert page.count("Saknas") == 2  # the Page id and the access token
    assert "Sid-id" in page and "Åtkomsttoken" in page
    assert "Testa anslutningen" in page

    services.account_update(actor=org.alice, account=account, platform_id=PAGE_ID)
    services.credential_set(actor=org.alice, account=account, name="access_token", secret=TOKEN)
    page = client.get(account.get_absolute_url()).content.decode()
    assert "Saknas" not in page and page.count("Finns") == 2
    assert TOKEN not in page


@pytest.mark.parametrize(
    ("platform", "needed"),
    [
        ("instagram", ["Id på plattformen", "Åtkomsttoken"]),
        ("youtube", ["Kanal-id", "API-nyckel"]),
        ("mastodon", ["Instansens adress", "Id på plattformen"]),
        ("bluesky", ["DID"]),
        ("rss", ["Flödets adress"]),
    ],
)
def test_every_platform_says_what_it_needs(client, org, platform, needed):
    account = ServiceAccountFactory(
        department=org.own, admins=[org.alice, org.bob], platform=platform, handle=""
    )
    client.force_login(org.alice)
    page = client.get(account.get_absolute_url()).content.decode()
    for label in needed:
        assert label in page
    assert page.count("Saknas") == len(needed)


def test_connection_works_with_one_read_and_writes_nothing_to_the_archive(client, org, facebook, httpserver):
    httpserver.expect_oneshot_request(
        f"/{PAGE_ID}", headers={"Authorization": f"Bearer {TOKEN}"}
    ).respond_with_response(_json(recorded("facebook", "page.json")))

    messages = _test(client, org.alice, facebook)

    assert messages == [
        "Anslutningen fungerar: plattformen svarade och godtog kontots uppgifter. "
        "Inget mer behövs; insamlingen använder samma uppgifter."
    ]
    httpserver.check_assertions()
    assert len(httpserver.log) == 1
    assert not Record.objects.filter(account=facebook).exists()
    event = AccountEvent.objects.get(account=facebook, action=AccountEvent.Action.CONNECTION_TESTED)
    assert event.actor == org.alice and event.comment.startswith("Anslutningen fungerar")
    read = CredentialAccess.objects.get(action=CredentialAccess.Action.READ)
    assert read.actor == org.alice and read.purpose == "test connection"
    assert Credential.objects.get(account=facebook).last_success_at is not None


def test_a_refused_token_says_reconnect(client, org, facebook, httpserver):
    httpserver.expect_request(f"/{PAGE_ID}").respond_with_response(
        _json(recorded("facebook", "error_token_expired.json"), status=400)
    )

    messages = _test(client, org.bob, facebook)

    assert len(messages) == 1
    assert messages[0].startswith("Plattformen vägrade inloggningsuppgifterna")
    assert "Anslut på nytt" in messages[0]
    assert TOKEN not in messages[0]
    assert "Session has expired" in Credential.objects.get(account=facebook).last_error


def test_a_platform_not_answering_says_try_later(client, org, mastodon, httpserver):
    httpserver.expect_request(f"/api/v1/accounts/{MASTODON_ID}").respond_with_data("Bad gateway", status=502)

    messages = _test(client, org.alice, mastodon)

    assert messages[0].startswith("Plattformen svarar inte som den ska just nu")
    assert "Försök igen senare" in messages[0]
    assert len(httpserver.log) == 2  # one quick retry, not the harvest's patient ones


def test_an_unknown_id_says_check_the_id(client, org, mastodon, httpserver):
    httpserver.expect_request(f"/api/v1/accounts/{MASTODON_ID}").respond_with_response(
        _json(recorded("mastodon", "not_found.json"), status=404)
    )

    messages = _test(client, org.alice, mastodon)

    assert messages[0].startswith(f"Plattformen hittar inte kontot ”{MASTODON_ID}”.")
    assert "Kontrollera id:t på plattformen" in messages[0]


def test_a_feed_is_tested_by_reading_it(client, org, httpserver):
    httpserver.expect_request("/blogg/feed/").respond_with_data(
        recorded("rss", "feed.xml"), content_type="application/rss+xml"
    )
    account = ServiceAccountFactory(
        department=org.own,
        admins=[org.alice, org.bob],
        platform="rss",
        api_base_url=httpserver.url_for("/blogg/feed/"),
    )
    assert _test(client, org.alice, account)[0].startswith("Anslutningen fungerar")
    assert len(httpserver.log) == 1


def test_an_incomplete_account_is_not_sent_anywhere(client, org, httpserver):
    account = ServiceAccountFactory(department=org.own, admins=[org.alice, org.bob], platform="facebook")

    messages = _test(client, org.alice, account)

    assert messages[0] == (
        "Inte testat: kontot saknar fortfarande sid-id, åtkomsttoken. "
        "Fyll i det som checklistan markerar som saknat och testa sedan igen."
    )
    assert httpserver.log == []


def test_it_checks_access(client, org, mastodon, httpserver):
    """The account's administrators and the information unit may test; others may not, and
    anonymous visitors are sent to log in. Nothing reaches the platform for a refused person."""
    httpserver.expect_request(f"/api/v1/accounts/{MASTODON_ID}").respond_with_response(
        _json(recorded("mastodon", "account.json"))
    )
    url = reverse("accounts:test_connection", args=[mastodon.pk])
    assert client.get(url).status_code == 405  # a GET never tests
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for outsider in (org.charlie, org.head, org.web, org.registrar):
        client.force_login(outsider)
        assert client.post(url).status_code == 403
    assert httpserver.log == []
    assert not AccountEvent.objects.filter(action=AccountEvent.Action.CONNECTION_TESTED).exists()
    for allowed in (org.alice, org.info):
        assert _test(client, allowed, mastodon)[0].startswith("Anslutningen fungerar")
    assert AccountEvent.objects.filter(action=AccountEvent.Action.CONNECTION_TESTED).count() == 2


def test_the_test_button_is_shown_only_to_those_who_may_test(client, org, mastodon):
    client.force_login(org.head)  # sees the account, holds no credentials
    page = client.get(mastodon.get_absolute_url()).content.decode()
    assert "Det här behöver insamlingen" in page and "Testa anslutningen" not in page
