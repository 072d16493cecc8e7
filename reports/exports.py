"""The yearly report as files: CSV (UTF-8 with BOM, so spreadsheet programs read it right) and PDF."""

import csv
import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from smgov.lib.pdf import html_to_pdf

from . import presentation
from .selectors import Figures
from .yearly import YearlyReport

# The columns in order: Swedish headings, as the report's tables name them.
CSV_COLUMNS = [
    ("year", _("Year")),
    ("level", _("Level")),
    ("department", _("Department")),
    ("account", _("Account")),
    ("platform", _("Platform")),
    ("handle", _("User name")),
    ("address", _("Address")),
    ("state", _("Status")),
    ("purpose", _("Purpose")),
    ("target_audience", _("Target audience")),
    ("posts", _("Posts")),
    ("comments", _("Comments")),
    ("questions", _("Questions")),
    ("answered", _("Answered")),
    ("answered_in_time", _("Answered in time")),
    ("median_response_minutes", _("Median response time (minutes)")),
    ("p90_response_minutes", _("90th percentile response time (minutes)")),
    ("overdue_now", _("Overdue now")),
    ("removals", _("Removals")),
    ("questions_with_personal_data", _("Questions with personal data")),
    ("followers", _("Followers")),
]
LEVELS = {"municipality": _("Municipality"), "department": _("Department"), "account": _("Account")}


def _text(value: str) -> str:
    """Text typed by people, made inert for spreadsheet programs that would run it as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _minutes(value) -> str:
    return "" if value is None else str(round(value.total_seconds() / 60))


def _figure_values(figures: Figures) -> list[str]:
    return [
        str(figures.posts),
        str(figures.comments),
        str(figures.questions),
        str(figures.answered),
        str(figures.answered_in_time),
        _minutes(figures.median_response),
        _minutes(figures.p90_response),
        str(figures.overdue_now),
        str(figures.removals),
        str(figures.personal_data),
        "" if figures.followers is None else str(figures.followers),
    ]


def report_csv(report: YearlyReport) -> str:
    """One row for the municipality (when the report covers it), one per department, one per account."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow([str(heading) for _name, heading in CSV_COLUMNS])
    year = str(report.year)
    if report.whole_municipality:
        writer.writerow(
            [
                year,
                str(LEVELS["municipality"]),
                settings.MUNICIPALITY_NAME,
                *[""] * 7,
                *_figure_values(report.total),
            ]
        )
    for section in report.departments:
        department = _text(section.department.name)
        writer.writerow(
            [year, str(LEVELS["department"]), department, *[""] * 7, *_figure_values(section.figures)]
        )
        for row in section.accounts:
            account = row.account
            writer.writerow(
                [
                    year,
                    str(LEVELS["account"]),
                    department,
                    _text(account.display_name),
                    account.get_platform_display(),
                    _text(account.handle),
                    _text(account.profile_url),
                    account.get_state_display(),
                    _text(account.purpose),
                    _text(account.target_audience),
                    *_figure_values(row.figures),
                ]
            )
    return out.getvalue()


def report_html(report: YearlyReport) -> str:
    """The report as one self-contained HTML document, for printing to PDF."""
    return render_to_string(
        "reports/yearly_report_print.html",
        {
            "report": report,
            "municipality_name": settings.MUNICIPALITY_NAME,
            "charts": presentation.yearly_charts(report),
        },
    )


def report_pdf(report: YearlyReport) -> bytes:
    return html_to_pdf(report_html(report), landscape=True)
