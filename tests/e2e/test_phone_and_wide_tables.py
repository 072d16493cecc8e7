"""What the walk-through found in the browser: a long Swedish heading on a phone, and wide tables."""

import pytest

from tests.e2e.conftest import PHONE_WIDTH, assert_cells_fit, log_in
from tests.factories import submitted_request
from tests.reports.conftest import known  # noqa: F401 - the known month of records and cases


@pytest.fixture(autouse=True)
def _roles(transactional_db):
    from django.contrib.auth.models import Group

    from accounts.roles import Role

    for role in Role.values:
        Group.objects.get_or_create(name=role)


def _sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_the_accessibility_statement_does_not_scroll_sideways_on_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/tillganglighet/")
    assert page.get_by_role("heading", level=1).inner_text() == "Tillgänglighetsredogörelse"
    assert _sideways(page) == 0


def test_a_statistics_table_wider_than_the_page_scrolls_in_its_frame_and_lets_the_edge_shadow_show(
    page,
    known,  # noqa: F811
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, known.org.web.username)
    page.goto("/statistik/?period=custom&start=2026-03-01&end=2026-03-31")
    regions = page.locator(".table-scroll")
    assert regions.count() >= 2
    wide = [
        regions.nth(i)
        for i in range(regions.count())
        if regions.nth(i).evaluate("el => el.scrollWidth > el.clientWidth")
    ]
    assert wide, "no statistics table is wider than the page here; the test no longer proves anything"
    assert _sideways(page) == 0  # the page itself stays put
    for region in wide:
        # The table is see-through, so the frame's shadow at the hidden edge is painted over nothing.
        assert (
            region.evaluate("el => getComputedStyle(el.querySelector('table')).backgroundColor")
            == "rgba(0, 0, 0, 0)"
        )
        assert region.get_attribute("tabindex") == "0"  # and it scrolls from the keyboard


def test_n1_on_a_phone_each_request_to_decide_shows_its_platform_department_and_requester(page, org):
    for number in range(2):
        submitted_request(
            actor=org.alice, department=org.own, administrators=[org.alice, org.bob], platform="instagram",
            display_name=f"Exempelby kommun – Fritidsgården i Norra Exempelbyområdet {number}",
        )  # fmt: skip
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    log_in(page, org.head.username)
    page.goto("/register/beslut/")
    assert _sideways(page) == 0
    first = page.locator(".table--cards tbody tr").first
    assert_cells_fit(first, ("Plattform", "Förvaltning", "Ansökt av"))
    assert "Fritidsgården" in first.locator("th").inner_text()
