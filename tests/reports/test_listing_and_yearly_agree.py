"""F4/N19: "Var vi finns" (the public listing) and the yearly report count the same accounts in use,
department by department and platform by platform, over the demo municipality with its history."""

from collections import Counter

from django.core.cache import cache
from django.utils import timezone

from accounts.demo import seed_demo
from accounts.selectors import public_listing
from reports.demo import seed_history
from reports.yearly import yearly_report


def test_f4_n19_the_public_listing_and_the_yearly_report_agree_for_every_department(db, mailoutbox):
    seed_demo()
    seed_history(months=3)  # a quarter of history: the same accounts, a quarter of the records
    cache.clear()
    listed = Counter((entry["department"], entry["platform"]) for entry in public_listing())
    assert len({department for department, _platform in listed}) >= 2  # several departments

    report = yearly_report(year=timezone.localdate().year, department_ids=None)
    in_use = Counter()
    for department, counts in report.matrix():
        for platform, count in zip(report.platforms, counts, strict=True):
            if count:
                in_use[(department.name, platform)] = count
    assert in_use == listed
    # Every department the listing names has its section in the report, with those accounts in it.
    sections = {section.department.name: section for section in report.departments}
    for department, platform in listed:
        names = {
            row.account.display_name
            for row in sections[department].accounts
            if row.account.platform == platform
        }
        assert {
            e["name"] for e in public_listing() if (e["department"], e["platform"]) == (department, platform)
        } <= names
