"""Turns the selectors' figures into what the pages, the PDF and the e-mail show: labels and charts."""

from datetime import timedelta

from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS_ABBR
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import Platform
from moderation.models import FLAG_KIND_CHOICES, GROUND_CHOICES

from . import charts, selectors
from .periods import Period
from .selectors import Scope


def duration_text(value: timedelta | None) -> str:
    """A response time as people say it: 45 min, 3 h 20 min, 2 d 4 h."""
    if value is None:
        return "–"
    minutes = round(value.total_seconds() / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def percent_text(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{number_format(round(value * 100), 0)} %"


def hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def hours_text(value: float) -> str:
    return f"{number_format(value, 0 if float(value).is_integer() else 1)} h"


def month_label(month, *, full: bool = False) -> str:
    return f"{(MONTHS if full else MONTHS_3)[month.month]} {month.year}"


def platform_label(code: str) -> str:
    try:
        return str(Platform(code).label)
    except ValueError:
        return code


def ground_label(code: str) -> str:
    return str(dict(GROUND_CHOICES).get(code, code or _("not given")))


def flag_kind_label(code: str) -> str:
    return str(dict(FLAG_KIND_CHOICES).get(code, code))


def response_time_chart(*, period: Period, scope: Scope, prefix: str = "") -> charts.Chart:
    months = selectors.response_times_by_month(period=period, scope=scope)
    chart = charts.line_chart(
        chart_id=f"{prefix}chart-response",
        title=_("Response time per month"),
        description=_(
            "Median and 90th percentile of the time from a question to its first reply, in hours, "
            "for the questions received each month."
        ),
        categories=[month_label(m.month) for m in months],
        series=[
            charts.Series(_("Median"), [hours(m.median) for m in months]),
            charts.Series(_("90th percentile"), [hours(m.p90) for m in months]),
        ],
        fmt=hours_text,
    )
    chart.columns = [_("Month"), _("Answered"), _("Median"), _("90th percentile")]
    chart.rows = [
        [month_label(m.month), str(m.answered), duration_text(m.median), duration_text(m.p90)] for m in months
    ]
    if not any(m.answered for m in months):
        chart.rows = []
    return chart


def volume_chart(*, period: Period, scope: Scope, prefix: str = "") -> charts.Chart:
    rows = selectors.volume_by_platform(period=period, scope=scope)
    chart = charts.bar_chart(
        chart_id=f"{prefix}chart-volume",
        title=_("Volume per platform"),
        description=_("The municipality's posts and the public's questions in the period, per platform."),
        categories=[platform_label(row.platform) for row in rows],
        series=[
            charts.Series(_("Posts"), [row.posts for row in rows]),
            charts.Series(_("Questions"), [row.questions for row in rows]),
        ],
    )
    chart.columns = [_("Platform"), _("Posts"), _("Comments"), _("Questions")]
    chart.rows = [
        [platform_label(row.platform), str(row.posts), str(row.comments), str(row.questions)] for row in rows
    ]
    return chart


def removals_chart(*, period: Period, scope: Scope, prefix: str = "") -> charts.Chart:
    rows = selectors.removals_by_ground(period=period, scope=scope)
    chart = charts.horizontal_bar_chart(
        chart_id=f"{prefix}chart-removals",
        title=_("Removals by legal ground"),
        description=_("Comments the municipality removed in the period, per legal ground."),
        categories=[ground_label(ground) for ground, _count in rows],
        values=[count for _ground, count in rows],
        value_name=_("Removed"),
    )
    chart.columns = [_("Legal ground"), _("Removed")]
    return chart


def heatmap_chart(*, period: Period, scope: Scope, prefix: str = "") -> charts.Chart:
    grid = selectors.activity_by_weekday_hour(period=period, scope=scope)
    chart = charts.heatmap(
        chart_id=f"{prefix}chart-activity",
        title=_("Activity by weekday and hour"),
        description=_(
            "Posts and comments published in the period per weekday and hour, Swedish time; darker is more."
        ),
        row_labels=[str(label) for label in WEEKDAYS_ABBR.values()],
        column_labels=[f"{hour:02d}" for hour in range(24)],
        values=grid,
    )
    chart.columns = [_("Weekday"), *chart.columns[1:]]
    if not any(any(row) for row in grid):
        chart.rows = []
    return chart


def followers_chart(*, period: Period, scope: Scope, prefix: str = "") -> charts.Chart:
    months = selectors.followers_by_month(period=period, scope=scope)
    chart = charts.line_chart(
        chart_id=f"{prefix}chart-followers",
        title=_("Followers over time"),
        description=_("The number of followers at the end of each month, all accounts in the selection."),
        categories=[month_label(month) for month, _count in months],
        series=[charts.Series(_("Followers"), [count for _month, count in months])],
    )
    chart.columns = [_("Month"), _("Followers")]
    if all(count is None for _month, count in months):
        chart.rows = []
    return chart


def all_charts(*, period: Period, scope: Scope, prefix: str = "") -> list[charts.Chart]:
    return [
        response_time_chart(period=period, scope=scope, prefix=prefix),
        volume_chart(period=period, scope=scope, prefix=prefix),
        removals_chart(period=period, scope=scope, prefix=prefix),
        heatmap_chart(period=period, scope=scope, prefix=prefix),
        followers_chart(period=period, scope=scope, prefix=prefix),
    ]


def count_text(value: int | None) -> str:
    """A count with the language's digit grouping (11 381 in Swedish)."""
    return "–" if value is None else number_format(value, force_grouping=True)


def figure_cells(figures: selectors.Figures) -> list[tuple[str, str]]:
    """Each figure with its label, in the order the pages, the PDF and the e-mail give them."""
    return [
        (_("Posts"), count_text(figures.posts)),
        (_("Comments"), count_text(figures.comments)),
        (_("Questions"), count_text(figures.questions)),
        (_("Answered"), count_text(figures.answered)),
        (_("Answered share"), percent_text(figures.answered_share)),
        (_("Answered within the promised time"), count_text(figures.answered_in_time)),
        (_("Share within the promised time"), percent_text(figures.in_time_share)),
        (_("Median response time"), duration_text(figures.median_response)),
        (_("90th percentile response time"), duration_text(figures.p90_response)),
        (_("Overdue now"), count_text(figures.overdue_now)),
        (_("Removals"), count_text(figures.removals)),
        (_("Questions with personal data"), count_text(figures.personal_data)),
        (_("Followers"), count_text(figures.followers)),
    ]


def yearly_charts(report) -> list[charts.Chart]:
    """The charts printed in the yearly report."""
    return [
        volume_chart(period=report.period, scope=report.scope, prefix="report-"),
        response_time_chart(period=report.period, scope=report.scope, prefix="report-"),
        removals_chart(period=report.period, scope=report.scope, prefix="report-"),
    ]
