"""The web communicator reads the statistics in a real browser: charts, their tables, no axe violations."""

import pytest

from tests.e2e.conftest import axe_violations, log_in
from tests.reports.conftest import known  # noqa: F401 - the known month of records and cases


@pytest.fixture(autouse=True)
def _roles(transactional_db):
    """The role groups come from a data migration, which a flush between browser tests removes."""
    from django.contrib.auth.models import Group

    from accounts.roles import Role

    for role in Role.values:
        Group.objects.get_or_create(name=role)


def test_web_communicator_reads_the_statistics(page, known):  # noqa: F811
    log_in(page, known.org.web.username)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Statistik").click()
    page.wait_for_url("**/statistik/")
    assert page.get_by_role("heading", level=1).inner_text() == "Statistik"

    # Choose March 2026 with the filter form, as a person would.
    page.locator("#id_period").select_option("custom")
    page.locator("#id_start").fill("2026-03-01")
    page.locator("#id_end").fill("2026-03-31")
    page.locator("form.form--filters button[type=submit]").click()
    page.wait_for_url("**start=2026-03-01**")

    charts = page.locator("svg[role=img]")
    assert charts.count() == 4  # no follower counts in this month: that chart says so instead
    for index in range(charts.count()):
        chart = charts.nth(index)
        assert chart.is_visible()
        labelled_by = chart.get_attribute("aria-labelledby").split()
        assert page.locator(f"#{labelled_by[0]}").count() == 1

    departments = page.locator("#departments-heading ~ .table-scroll table")
    assert departments.is_visible()
    assert known.org.own.name in departments.inner_text()
    assert known.org.other.name in departments.inner_text()

    # Each chart's numbers are one click away, as a table.
    block = page.locator("section.chart-block").nth(1)
    block.locator("summary").click()
    table = block.locator("table")
    assert table.is_visible()
    assert "Facebook" in table.inner_text()

    page.locator("section.chart-block details").evaluate_all("(all) => all.forEach(d => d.open = true)")
    assert axe_violations(page) == []


def test_head_sees_the_own_department_and_the_yearly_report(page, known):  # noqa: F811
    log_in(page, known.org.head.username)
    page.get_by_role("navigation", name="Huvudmeny").wait_for()
    page.goto("/statistik/?period=custom&start=2026-03-01&end=2026-03-31")
    assert known.org.own.name in page.locator("p.lead").inner_text()
    assert "Samhällsbyggnad på Facebook" not in page.content()
    page.goto("/statistik/arsrapport/?year=2026")
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.locator("a[href*='arsrapport.csv']").is_visible()
    assert axe_violations(page) == []

    # The PDF is made by a worker; the page that waits for it is accessible too.
    page.locator("form[action$='/arsrapport/pdf/'] button").click()
    page.wait_for_url("**/arsrapport/pdf/*/")
    assert page.get_by_role("status").is_visible()
    assert axe_violations(page) == []
