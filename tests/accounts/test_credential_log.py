"""F1: the information unit sees who read or replaced an account's credentials, when and why."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import services
from accounts.models import CredentialAccess
from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "EAAB-very-secret-page-token-4711"


@pytest.fixture
def logged(org):
    """Alice works in the information unit here; Bob administers the account; Charlie is an outsider."""
    org.alice.groups.add(Group.objects.get(name=Role.INFORMATION_UNIT))
    services.credential_set(actor=org.bob, account=org.account, name="access_token", secret=SECRET)
    services.credential_read(org.account, "access_token", "harvest")
    services.credential_read(org.account, "access_token", "publicera ett svar i ärende 7", actor=org.bob)
    return org


def test_f1_the_log_shows_who_read_the_credential_when_and_why(client, logged):
    client.force_login(logged.alice)

    page = client.get(reverse("accounts:credential_log", args=[logged.account.pk])).content.decode()

    assert "Åtkomstlogg för inloggningsuppgifterna" in page
    assert page.count("Åtkomsttoken") >= 3  # the kind, on every row
    assert "Insamling av inlägg och kommentarer" in page and "systemet" in page  # the harvest's read
    assert "Publicera ett svar i ärende 7" in page and "Bob Berg" in page
    assert "Bytt" in page and "Läst" in page
    assert SECRET not in page
    # Newest first: the reply's read, then the harvest's, then the replacement.
    assert page.index("ärende 7") < page.index("Insamling") < page.index("Bytt")


def test_f1_the_log_is_paginated(client, logged):
    credential = logged.account.credentials.get()
    CredentialAccess.objects.bulk_create(
        CredentialAccess(credential=credential, action=CredentialAccess.Action.READ, purpose="harvest")
        for _ in range(57)
    )
    client.force_login(logged.alice)
    url = reverse("accounts:credential_log", args=[logged.account.pk])

    first = client.get(url)
    second = client.get(url, {"sida": 2})

    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 10
    assert "Sida 1 av 2" in first.content.decode()


def test_f1_only_the_information_unit_opens_the_log(client, logged):
    url = reverse("accounts:credential_log", args=[logged.account.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for person in (logged.bob, logged.charlie, logged.head, logged.web):
        client.force_login(person)
        assert client.get(url).status_code == 403
    for person in (logged.alice, logged.info, UserFactory(username="root", is_superuser=True)):
        client.force_login(person)
        assert client.get(url).status_code == 200


def test_the_account_page_links_to_the_log_for_the_information_unit_only(client, logged):
    link = reverse("accounts:credential_log", args=[logged.account.pk])
    client.force_login(logged.bob)
    assert link not in client.get(logged.account.get_absolute_url()).content.decode()
    client.force_login(logged.alice)
    assert link in client.get(logged.account.get_absolute_url()).content.decode()
