"""A time-stamp authority that is down, as the registrar and the information unit see it in the
browser: in Swedish, on pages that still work, with no accessibility violations."""

import pytest

from archive import services
from archive.timestamps import TimestampUnavailable
from tests.archive.helpers import ingest
from tests.e2e.conftest import axe_violations, log_in
from tests.e2e.test_diary import roles  # noqa: F401


def test_a_failing_tsa_is_shown_to_the_registrar_and_the_information_unit(page, roles, org, tsa):  # noqa: F811
    ingest(org.account, "Vägen är avstängd i dag.")
    tsa.down = True
    with pytest.raises(TimestampUnavailable):
        services.chain_timestamp(account_id=org.account.pk)

    log_in(page, "rita")
    page.wait_for_url("**/")
    page.goto("/arkiv/diarium/e-arkiv/")
    section = page.get_by_role("region", name="Integritet: betrodda tidsstämplar av hashkedjan")
    assert section.get_by_text("Tidsstämpeltjänsten svarar inte", exact=True).is_visible()
    assert axe_violations(page) == []

    page.context.clear_cookies()
    log_in(page, "ivar")
    page.wait_for_url("**/")
    page.goto("/problem/")
    assert page.get_by_role("heading", name="Hashkedjor som tidsstämpeltjänsten inte har tidsstämplat").is_visible()
    assert axe_violations(page) == []
