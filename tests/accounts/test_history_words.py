"""An account's history says in words what changed: field and credential labels, never stored names."""

from accounts.models import AccountEvent


def test_the_history_names_changed_fields_and_credentials_by_their_labels(client, org):
    AccountEvent.objects.create(
        account=org.account,
        actor=org.alice,
        action=AccountEvent.Action.UPDATED,
        comment="api_base_url, platform_id",
    )
    AccountEvent.objects.create(
        account=org.account, actor=org.info, action=AccountEvent.Action.CREDENTIAL_SET, comment="access_token"
    )
    client.force_login(org.web)
    html = client.get(org.account.get_absolute_url()).content.decode()
    history = html[html.index("Historik") :]
    assert "api_base_url" not in history and "platform_id" not in history and "access_token" not in history
    assert "id på plattformen" in history.lower()
    assert "Åtkomsttoken" in history
