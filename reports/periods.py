"""Periods of whole days in Europe/Stockholm, and the presets people ask for."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class Period:
    """From the start of `start` to the end of `end` (both included), in Stockholm local time."""

    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=STOCKHOLM)

    @property
    def end_at(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=STOCKHOLM)

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        months = []
        month = self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = add_months(month, 1)
        return months


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def month_period(month: date) -> Period:
    first = month.replace(day=1)
    return Period(first, add_months(first, 1) - timedelta(days=1))


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def local_today() -> date:
    return timezone.localtime(timezone.now(), STOCKHOLM).date()


PRESETS = {
    "this_month": _("This month"),
    "last_12_months": _("The last 12 months"),
    "this_year": _("This year"),
    "last_year": _("Last year"),
}
DEFAULT_PRESET = "last_12_months"


def preset_period(name: str, *, today: date | None = None) -> Period:
    today = today or local_today()
    if name == "this_month":
        return Period(today.replace(day=1), today)
    if name == "last_12_months":
        return Period(add_months(today.replace(day=1), -11), today)
    if name == "this_year":
        return Period(date(today.year, 1, 1), today)
    if name == "last_year":
        return year_period(today.year - 1)
    raise ValueError(f"unknown period preset {name!r}")
