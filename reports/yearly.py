"""N19: the yearly overview for central management — which departments use which platforms,
for what purpose, and with what figures. One read, used by the page, the PDF and the CSV."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from accounts.models import Department, Platform, ServiceAccount
from accounts.selectors import accounts_active_at, accounts_in_service_during
from archive.models import Record

from . import selectors
from .periods import Period, year_period
from .selectors import Figures, Scope


@dataclass
class AccountRow:
    account: ServiceAccount
    figures: Figures


@dataclass
class DepartmentSection:
    department: Department
    figures: Figures
    accounts: list[AccountRow] = field(default_factory=list)

    @property
    def platforms(self) -> list[str]:
        return sorted({row.account.platform for row in self.accounts})


@dataclass
class YearlyReport:
    year: int
    period: Period
    scope: Scope
    departments: list[DepartmentSection]
    total: Figures
    whole_municipality: bool
    generated_at: datetime
    # The accounts active at the end of the year (or now, for the current year): what "which departments
    # use which platforms" counts, the same accounts the register's overview counts.
    active_at_end: frozenset[int] = frozenset()

    @property
    def platforms(self) -> list[str]:
        """The platforms in use, in the register's order, for the department × platform matrix."""
        used = {p for section in self.departments for p in section.platforms}
        return [p for p in Platform.values if p in used]

    def matrix(self) -> list[tuple[Department, list[int]]]:
        """Per department, the number of its accounts on each platform in use."""
        return [
            (
                section.department,
                [
                    sum(
                        1
                        for row in section.accounts
                        if row.account.platform == p and row.account.pk in self.active_at_end
                    )
                    for p in self.platforms
                ],
            )
            for section in self.departments
        ]


def report_accounts(*, period: Period, department_ids: tuple[int, ...] | None):
    """Accounts that were active at some time in the year, or have records from it."""
    accounts = ServiceAccount.objects.filter(
        Q(pk__in=accounts_in_service_during(period.start_at, period.end_at).values("pk"))
        | Q(
            pk__in=Record.objects.filter(
                published_at__gte=period.start_at, published_at__lt=period.end_at
            ).values("account")
        )
    )
    if department_ids is not None:
        accounts = accounts.filter(department_id__in=department_ids)
    return accounts.select_related("department").order_by("department__name", "platform", "display_name")


def yearly_report(
    *, year: int, department_ids: tuple[int, ...] | None, now: datetime | None = None
) -> YearlyReport:
    """The report for one year; `department_ids=None` is the whole municipality."""
    from django.utils import timezone

    now = now or timezone.now()
    period = year_period(year)
    scope = Scope(department_ids=department_ids)
    per_account = selectors.figures(period=period, scope=scope, by="account", now=now)
    per_department = selectors.figures(period=period, scope=scope, by="department", now=now)
    total = selectors.total_figures(period=period, scope=scope, now=now)

    departments = Department.objects.order_by("name")
    if department_ids is not None:
        departments = departments.filter(pk__in=department_ids)
    sections = {d.pk: DepartmentSection(d, per_department.get(d.pk, Figures())) for d in departments}
    accounts = list(report_accounts(period=period, department_ids=department_ids))
    for account in accounts:
        section = sections.get(account.department_id)
        if section is not None:
            section.accounts.append(AccountRow(account, per_account.get(account.pk, Figures())))
    active_at_end = frozenset(
        accounts_active_at(min(period.end_at, now))
        .filter(pk__in=[a.pk for a in accounts])
        .values_list("pk", flat=True)
    )
    return YearlyReport(
        year=year,
        period=period,
        scope=scope,
        departments=[s for s in sections.values() if s.accounts or s.figures.questions or s.figures.posts],
        total=total,
        whole_municipality=department_ids is None,
        generated_at=now,
        active_at_end=active_at_end,
    )
