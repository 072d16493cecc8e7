"""F4/N22: the public listing in a real browser, without JavaScript needs, and accessible (WCAG 2.1 AA)."""

import pytest

from tests.e2e.conftest import axe_violations, log_in


@pytest.fixture
def roles(transactional_db):
    """The browser tests' database is flushed between tests, which empties the role groups
    that a migration created; put them back before the people are made."""
    from django.contrib.auth.models import Group

    from accounts.roles import Role

    for role in Role.values:
        Group.objects.get_or_create(name=role)


def test_f4_public_listing_is_accessible_and_shows_the_notice(page, org):
    org.account.parent = org.other_account
    org.account.save()
    page.goto("/konton/")
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.get_by_role("heading", level=2, name=org.own.name).is_visible()
    assert page.locator(".public-account").count() == 2
    assert page.locator(".public-account__notice").first.is_visible()
    assert page.locator(f'a[href="#konto-{org.other_account.pk}"]').count() == 1
    assert axe_violations(page) == []


def test_f4_public_listing_works_without_javascript(browser, live_server, org):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url, locale="sv-SE")
    page = context.new_page()
    page.goto("/konton/")
    assert page.locator(".public-account").count() == 2
    context.close()


def test_register_pages_are_accessible(page, roles, org):
    log_in(page, "alice")
    page.wait_for_url("**/")
    for path in (
        "/register/",
        f"/register/{org.account.pk}/",
        "/register/ansok/",
        f"/register/{org.account.pk}/andra/",
        f"/register/{org.account.pk}/inloggning/",
    ):
        page.goto(path)
        assert page.get_by_role("heading", level=1).count() == 1, path
        assert axe_violations(page) == [], path
    page.goto("/register/ansok/")
    page.locator("main form.form[method=post] button[type=submit]").click()
    assert page.get_by_role("alert").is_visible()
    assert axe_violations(page) == []


def test_f1_credential_log_is_accessible(page, roles, org):
    from accounts import services

    services.credential_set(actor=org.info, account=org.account, name="access_token", secret="s3cret-4711")
    services.credential_read(org.account, "access_token", "harvest")
    log_in(page, "ivar")
    page.wait_for_url("**/")
    page.goto(f"/register/{org.account.pk}/")
    page.get_by_role("link", name="Åtkomstlogg för inloggningsuppgifterna").click()
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.locator("tbody tr").count() == 2
    assert axe_violations(page) == []
