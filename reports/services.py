"""Writes of the reports app: the monthly e-mail to each head of department, the yearly report's PDF."""

import logging
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Department, User

from . import exports, permissions, presentation, selectors
from .models import MonthlyReportDelivery, ReportPdf
from .periods import add_months, local_today, month_period
from .selectors import Scope
from .yearly import yearly_report

logger = logging.getLogger(__name__)


def previous_month(today: date | None = None) -> date:
    return add_months((today or local_today()).replace(day=1), -1)


def _statistics_url(department: Department, month: date) -> str:
    period = month_period(month)
    query = urlencode(
        {"period": "custom", "start": period.start, "end": period.end, "department": department.pk}
    )
    return f"{settings.SITE_URL}{reverse('reports:statistics')}?{query}"


@transaction.atomic
def monthly_report_send(*, department: Department, month: date, now: datetime | None = None) -> bool:
    """Mail the department's figures for the month to its head, once. Returns whether it was sent."""
    head = department.head
    if head is None or not head.is_active or not head.email:
        return False
    month = month.replace(day=1)
    try:
        with transaction.atomic():
            MonthlyReportDelivery.objects.create(department=department, month=month, recipient=head.email)
    except IntegrityError:
        return False  # already sent for this month
    period = month_period(month)
    figures = selectors.total_figures(period=period, scope=Scope(department_ids=(department.pk,)), now=now)
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "department": department,
            "head": head,
            "month_label": presentation.month_label(month, full=True),
            "period": period,
            "cells": presentation.figure_cells(figures),
            "removals": [
                (presentation.ground_label(ground), count)
                for ground, count in selectors.removals_by_ground(
                    period=period, scope=Scope(department_ids=(department.pk,))
                )
            ],
            "url": _statistics_url(department, month),
            "municipality_name": settings.MUNICIPALITY_NAME,
        }
        subject = render_to_string("reports/email/monthly_subject.txt", context).strip()
        body = render_to_string("reports/email/monthly.txt", context)
    send_mail(subject, body, None, [head.email])
    return True


def monthly_reports_send(*, month: date | None = None, now: datetime | None = None) -> int:
    """The month's figures to the head of every department (by default the month just ended).

    Each department is its own transaction: one failing address does not stop the others."""
    month = month or previous_month()
    now = now or timezone.now()
    sent = 0
    for department in Department.objects.filter(head__isnull=False).select_related("head").order_by("pk"):
        try:
            sent += monthly_report_send(department=department, month=month, now=now)
        except Exception:
            logger.exception("monthly report for department %s failed", department.pk)
    return sent


# --- The yearly report as PDF (N19) ------------------------------------------------------------------

# Reports nobody fetched are not kept longer than this.
PDF_KEEP = timedelta(days=7)


@transaction.atomic
def report_pdf_request(*, actor: User, year: int, department: Department | None) -> ReportPdf:
    """Queue the printing of a yearly report; the person fetches it when the worker is done."""
    if not permissions.can_take_out_report(actor, department):
        raise PermissionDenied
    ReportPdf.objects.filter(requested_at__lt=timezone.now() - PDF_KEEP).delete()
    report_pdf = ReportPdf.objects.create(year=year, department=department, requested_by=actor)
    from .tasks import render_yearly_pdf

    transaction.on_commit(lambda: render_yearly_pdf.delay(report_pdf.pk))
    return report_pdf


def report_pdf_render(*, report_pdf_id: int) -> None:
    """Print the report (outside any transaction: it takes seconds) and store the outcome."""
    report_pdf = ReportPdf.objects.filter(pk=report_pdf_id, status=ReportPdf.Status.QUEUED).first()
    if report_pdf is None:
        return  # done already, or no longer wanted
    department_ids = None if report_pdf.department_id is None else (report_pdf.department_id,)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            data = exports.report_pdf(yearly_report(year=report_pdf.year, department_ids=department_ids))
    except Exception as error:
        logger.exception("yearly report PDF %s failed", report_pdf_id)
        ReportPdf.objects.filter(pk=report_pdf_id).update(
            status=ReportPdf.Status.FAILED, error=str(error)[:2000]
        )
        return
    ReportPdf.objects.filter(pk=report_pdf_id, status=ReportPdf.Status.QUEUED).update(
        status=ReportPdf.Status.DONE, pdf=data, made_at=timezone.now()
    )
