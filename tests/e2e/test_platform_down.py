"""A platform that does not answer, walked in the browser as the account's administrator meets it:
the connection test and the account page after a failed harvest tell the truth in Swedish and say
what to do next, with no accessibility violations."""

import socket

from accounts import services
from harvest.models import HarvestRun
from harvest.tasks import run_account
from tests.e2e.conftest import axe_violations, log_in
from tests.factories import ServiceAccountFactory


def _closed_port() -> int:
    """A port on this machine that nothing listens on: the platform is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_platform_that_is_down_is_told_in_swedish_with_what_to_do_next(page, org, settings):
    settings.HARVEST_HTTP_RETRIES = 0
    account = ServiceAccountFactory(
        department=org.own, platform="mastodon", platform_id="1", display_name="Exempelby på Mastodon",
        api_base_url=f"http://127.0.0.1:{_closed_port()}", admins=[org.alice, org.bob],
    )  # fmt: skip
    services.credential_set(actor=org.alice, account=account, name="access_token", secret="t" * 32)
    log_in(page, "alice")
    page.wait_for_url("**/")

    page.goto(account.get_absolute_url())
    page.get_by_role("button", name="Testa anslutningen").click()
    alert = page.locator(".messages")
    assert "Plattformen svarar inte som den ska just nu" in alert.inner_text()
    assert "Försök igen senare" in alert.inner_text()

    run_account.apply(args=[account.pk])  # the scheduled harvest meets the same platform
    last = HarvestRun.objects.filter(account=account).latest("started_at", "pk")
    assert last.status == HarvestRun.Status.FAILED  # after the task's own retries
    page.goto(account.get_absolute_url())
    status = page.locator("#harvest-status")
    text = status.inner_text()
    assert "Plattformen svarar inte som den ska just nu" in text
    assert "Insamlingen försöker igen av sig själv" in text and "kontakta IT-avdelningen" in text
    assert "Misslyckades" in text, text
    assert axe_violations(page) == []
