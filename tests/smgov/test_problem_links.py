"""The start page and the problem list only send a person where they may go."""

from django.urls import reverse

from accounts import services as account_services


def test_the_start_page_does_not_link_a_registrar_to_the_problem_list_they_may_not_open(client, org):
    client.force_login(org.registrar)
    assert client.get(reverse("problems")).status_code == 403
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("problems")}' not in html


def test_a_head_is_told_whom_to_ask_about_failing_login_details(client, org):
    account_services.credential_set(actor=org.info, account=org.account, name="access_token", secret="s3cret")
    account_services.credential_record_result(org.account, ok=False, error="Session has expired")
    renew = reverse("accounts:credentials", args=[org.account.pk])

    client.force_login(org.head)
    assert client.get(renew).status_code == 403
    html = client.get(reverse("problems")).content.decode()
    assert "Misslyckades" in html or "misslyckades" in html
    assert renew not in html
    assert "Be informationsenheten eller en administratör för kontot att förnya dem." in html

    client.force_login(org.info)
    assert renew in client.get(reverse("problems")).content.decode()


def test_a_login_detail_that_failed_says_so_even_when_it_has_an_expiry_date(client, org):
    from datetime import timedelta

    from django.utils import timezone

    account_services.credential_set(
        actor=org.info,
        account=org.account,
        name="access_token",
        secret="s3cret",
        expires_at=timezone.now() + timedelta(days=60),
    )
    account_services.credential_record_result(org.account, ok=False, error="Session has expired")
    client.force_login(org.info)
    html = client.get(reverse("problems")).content.decode()
    assert "Senaste anslutningen misslyckades" in html
