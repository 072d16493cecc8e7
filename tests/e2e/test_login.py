"""A communicator logs in, sees the Swedish dashboard and logs out, in a real browser."""

from tests.e2e.conftest import axe_violations, log_in


def test_communicator_logs_in_sees_dashboard_and_logs_out(page, org):
    page.goto("/logga-in/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert axe_violations(page) == []

    log_in(page, "alice")
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == "Välkommen, Alice"
    assert page.get_by_role("navigation", name="Huvudmeny").is_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url("**/logga-in/")
    page.goto("/")
    assert "/logga-in/" in page.url


def test_wrong_password_shows_a_clear_error(page, org):
    log_in(page, "alice", "fel-lösenord")
    assert page.get_by_role("alert").is_visible()
    assert "/logga-in/" in page.url
