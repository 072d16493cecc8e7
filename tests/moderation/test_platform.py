"""The connector moderation publishes and hides through: built from the connector's own credentials."""

from accounts import crypto
from accounts.models import Credential, CredentialAccess
from moderation import platform, services
from moderation.models import Reply
from tests.factories import ServiceAccountFactory

from .conftest import OWN_ACCOUNT_ID, open_case, posted_status


def test_f1_publishing_reads_only_the_credentials_a_connector_understands(
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
    Credential.objects.create(account=account, name="password", ciphertext=crypto.encrypt("people-password"))
    case = open_case(account, platform_id="109")
    httpserver.expect_request("/api/v1/statuses/109/context").respond_with_json(
        {"ancestors": [], "descendants": []}
    )
    httpserver.expect_request(
        "/api/v1/statuses", method="POST", headers={"Authorization": "Bearer secret-token"}
    ).respond_with_json(posted_status("110", in_reply_to="109"))
    with django_capture_on_commit_callbacks():
        reply = services.reply_submit(actor=org.alice, case=case, text="Hej Eva!")
    services.reply_publish_run(reply_id=reply.pk)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.PUBLISHED
    reads = CredentialAccess.objects.filter(
        credential__account=account, action=CredentialAccess.Action.READ
    ).values_list("credential__name", flat=True)
    assert list(reads) == ["access_token"]


def test_f1_connector_for_leaves_other_secrets_unread(org):
    account = ServiceAccountFactory(department=org.own, platform="mastodon", admins=[org.alice, org.bob])
    Credential.objects.create(account=account, name="access_token", ciphertext=crypto.encrypt("secret-token"))
    Credential.objects.create(account=account, name="password", ciphertext=crypto.encrypt("people-password"))
    connector = platform.connector_for(account, purpose="hide a removed comment in case 1")
    assert connector.credentials == {"access_token": "secret-token"}
    password = Credential.objects.get(account=account, name="password")
    assert not password.accesses.exists()
    accesses = CredentialAccess.objects.filter(credential__account=account)
    assert list(accesses.values_list("credential__name", "purpose")) == [
        ("access_token", "hide a removed comment in case 1")
    ]
