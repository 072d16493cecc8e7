"""F1: credentials are held centrally, encrypted at rest, never shown again, and every access is logged."""

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import crypto, selectors, services
from accounts.models import Credential, CredentialAccess

pytestmark = pytest.mark.django_db

SECRET = "EAAB-very-secret-page-token-4711"


def raw_ciphertext(credential) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ciphertext FROM accounts_credential WHERE id = %s", [credential.pk])
        return cursor.fetchone()[0]


def test_f1_database_never_holds_the_plaintext(org):
    credential = services.credential_set(
        actor=org.alice, account=org.account, name="access_token", secret=SECRET
    )
    stored = raw_ciphertext(credential)
    assert SECRET not in stored
    assert crypto.decrypt(stored) == SECRET


def test_f1_only_administrators_and_information_unit_set_credentials(org):
    for outsider in (org.charlie, org.head, org.web, org.registrar):
        with pytest.raises(PermissionDenied):
            services.credential_set(actor=outsider, account=org.account, name="access_token", secret=SECRET)
    services.credential_set(actor=org.info, account=org.account, name="access_token", secret=SECRET)
    services.credential_set(actor=org.bob, account=org.account, name="access_token", secret="new-secret")
    assert Credential.objects.get().updated_by == org.bob
    assert list(CredentialAccess.objects.values_list("action", flat=True)) == ["replaced", "replaced"]


def test_f1_every_read_is_logged_with_its_purpose(org):
    services.credential_set(actor=org.alice, account=org.account, name="access_token", secret=SECRET)
    assert services.credential_read(org.account, "access_token", "harvest comments") == SECRET
    read = CredentialAccess.objects.filter(action=CredentialAccess.Action.READ).get()
    assert read.purpose == "harvest comments" and read.actor is None
    with pytest.raises(ValueError):
        services.credential_read(org.account, "access_token", " ")


def test_f1_rotation_reencrypts_with_a_new_first_key(org, settings):
    old_key = settings.CREDENTIALS_KEYS[0]
    credential = services.credential_set(
        actor=org.alice, account=org.account, name="access_token", secret=SECRET
    )
    before = raw_ciphertext(credential)
    new_key = Fernet.generate_key().decode()
    settings.CREDENTIALS_KEYS = [new_key, old_key]
    call_command("rotate_credentials_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = raw_ciphertext(credential)
    assert after != before and SECRET not in after
    assert Fernet(new_key.encode()).decrypt(after.encode()).decode() == SECRET
    assert CredentialAccess.objects.filter(action=CredentialAccess.Action.REENCRYPTED).count() == 1
    settings.CREDENTIALS_KEYS = [new_key]  # the old key can now go
    assert services.credential_read(org.account, "access_token", "test") == SECRET


def test_f1_token_health_warns_before_expiry_and_after_a_failure(org):
    now = timezone.now()
    services.credential_set(
        actor=org.alice, account=org.account, name="long", secret="a", expires_at=now + timedelta(days=60)
    )
    services.credential_set(
        actor=org.alice, account=org.account, name="soon", secret="b", expires_at=now + timedelta(days=13)
    )
    health = {item.credential.name: item for item in selectors.credential_health(account=org.account)}
    assert not health["long"].needs_attention and health["soon"].expires_soon

    services.credential_record_result(org.account, ok=False, error="OAuthException 190", name="long")
    health = {item.credential.name: item for item in selectors.credential_health(account=org.account)}
    assert health["long"].failing and not health["soon"].failing
    services.credential_record_result(org.account, ok=True)
    assert not any(item.failing for item in selectors.credential_health(account=org.account))


def test_f1_account_page_shows_health_warning(client, org):
    services.credential_set(
        actor=org.alice,
        account=org.account,
        name="access_token",
        secret=SECRET,
        expires_at=timezone.now() + timedelta(days=3),
    )
    client.force_login(org.registrar)  # may see the account, not its secrets
    html = client.get(org.account.get_absolute_url()).content.decode()
    assert "message--warning" in html and "Åtkomsttoken" in html  # the kind in words, never its code
    assert SECRET not in html
    assert reverse("accounts:credentials", args=[org.account.pk]) not in html


def test_f1_replace_page_is_write_only(client, org):
    client.force_login(org.alice)
    url = reverse("accounts:credentials", args=[org.account.pk])
    response = client.post(url, {"name": "access_token", "secret": SECRET, "expires_at": "2027-01-31T12:00"})
    assert response.status_code == 302
    credential = Credential.objects.get()
    assert credential.expires_at == timezone.make_aware(timezone.datetime(2027, 1, 31, 12, 0))
    html = client.get(url).content.decode()
    assert SECRET not in html and credential.ciphertext not in html
    assert 'type="password"' in html and 'value="' + SECRET not in html
    assert "Alice Andersson" in html  # last replaced by
    # A failed form does not echo the secret back either.
    html = client.post(url, {"name": "", "secret": SECRET}).content.decode()
    assert SECRET not in html and "error-summary" in html


def test_f1_admin_never_shows_the_ciphertext(client, org, admin_user):
    credential = services.credential_set(
        actor=org.alice, account=org.account, name="access_token", secret=SECRET
    )
    client.force_login(admin_user)
    for url in (
        reverse("admin:accounts_credential_change", args=[credential.pk]),
        reverse("admin:accounts_serviceaccount_change", args=[org.account.pk]),
    ):
        html = client.get(url).content.decode()
        assert credential.ciphertext not in html and SECRET not in html


def test_f1_the_kind_is_a_choice_of_what_the_platform_uses(client, org):
    org.account.platform = "youtube"
    org.account.save(update_fields=["platform"])
    client.force_login(org.alice)
    url = reverse("accounts:credentials", args=[org.account.pk])

    choices = client.get(url).context["form"].fields["name"].choices
    assert [value for value, _label in choices] == ["key", "oauth_token", "password"]

    response = client.post(url, {"name": "acess_token", "secret": SECRET})  # a typo is refused
    assert response.status_code == 200 and not Credential.objects.exists()
    assert "error-summary" in response.content.decode()


def test_f1_a_new_credential_shows_not_used_yet_until_it_worked(client, org):
    credential = services.credential_set(
        actor=org.alice, account=org.account, name="access_token", secret=SECRET
    )
    client.force_login(org.alice)
    url = reverse("accounts:credentials", args=[org.account.pk])
    health = client.get(url).context["credential_health"]
    assert [h.unused for h in health] == [True]

    services.credential_record_result(account=org.account, ok=True)
    credential.refresh_from_db()
    assert [h.unused for h in client.get(url).context["credential_health"]] == [False]
