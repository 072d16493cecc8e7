"""The statistics pages and the yearly report. Each asks the permission policy, then the selectors."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Min
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Department, ServiceAccount
from archive.models import Record

from . import exports, permissions, presentation, selectors, services
from .forms import StatisticsFilterForm, YearlyReportForm
from .models import ReportPdf
from .periods import STOCKHOLM, local_today
from .yearly import yearly_report


def _scope_label(scope: selectors.Scope, user) -> str:
    if scope.account_id is not None:
        return str(ServiceAccount.objects.select_related("department").get(pk=scope.account_id))
    if scope.department_ids is None:
        return _("The whole municipality")
    names = list(Department.objects.filter(pk__in=scope.department_ids).values_list("name", flat=True))
    return ", ".join(sorted(names))


@login_required
def statistics(request):
    """N18, N21: the figures and charts for a period, department and account."""
    if not permissions.can_view_statistics(request.user):
        raise PermissionDenied
    form = StatisticsFilterForm(request.GET or None, user=request.user)
    period = form.get_period()
    scope = form.get_scope()
    now = timezone.now()
    total = selectors.total_figures(period=period, scope=scope, now=now)
    by_department = []
    if scope.account_id is None and (scope.department_ids is None or len(scope.department_ids) > 1):
        per_department = selectors.figures(period=period, scope=scope, by="department", now=now)
        departments = Department.objects.filter(pk__in=list(per_department)).order_by("name")
        by_department = [(d, per_department[d.pk]) for d in departments]
    per_account = selectors.figures(period=period, scope=scope, by="account", now=now)
    accounts = (
        ServiceAccount.objects.filter(pk__in=list(per_account))
        .select_related("department")
        .order_by("department__name", "display_name", "platform")
    )
    by_account = [(a, per_account[a.pk]) for a in accounts]
    return render(
        request,
        "reports/statistics.html",
        {
            "form": form,
            "period": period,
            "period_label": form.get_period_label(),
            "scope_label": _scope_label(scope, request.user),
            "total": total,
            "total_cells": presentation.figure_cells(total),
            "by_department": [(d, presentation.figure_cells(f)) for d, f in by_department],
            "by_account": [(a, presentation.figure_cells(f)) for a, f in by_account],
            "figure_names": [name for name, _value in presentation.figure_cells(total)],
            "personal_data": [
                (presentation.flag_kind_label(kind), count)
                for kind, count in selectors.personal_data_by_kind(period=period, scope=scope)
            ],
            "charts": presentation.all_charts(period=period, scope=scope),
            "can_take_out_report": permissions.can_take_out_any_report(request.user),
            "now": now,
        },
    )


def _report_years() -> list[int]:
    first = Record.objects.aggregate(first=Min("published_at"))["first"]
    this_year = local_today().year
    first_year = timezone.localtime(first, STOCKHOLM).year if first else this_year
    return list(range(this_year, min(first_year, this_year) - 1, -1))


def _report_for(request, data=None):
    if not permissions.can_take_out_any_report(request.user):
        raise PermissionDenied
    data = request.GET if data is None else data
    form = YearlyReportForm(data or None, user=request.user, years=_report_years())
    year, department = int(form.fields["year"].initial), None
    if data:
        if not form.is_valid():
            if "department" in form.errors:
                raise PermissionDenied  # a department outside the person's reach
            raise Http404
        year, department = form.cleaned_data["year"], form.cleaned_data["department"]
    if department is None and not permissions.can_take_out_report(request.user, None):
        department = form.fields["department"].queryset.first()
    if not permissions.can_take_out_report(request.user, department):
        raise PermissionDenied
    report = yearly_report(year=year, department_ids=None if department is None else (department.pk,))
    return form, report, department


def _filename(report, department, extension: str) -> str:
    suffix = department.series_code if department else "kommunen"
    return f"arsrapport-{report.year}-{suffix}.{extension}"


@login_required
def yearly(request):
    """N19: where the departments are active, with purpose and figures, for central management."""
    form, report, department = _report_for(request)
    query = request.GET.copy()
    query["year"] = report.year
    if department:
        query["department"] = department.pk
    return render(
        request,
        "reports/yearly_report.html",
        {
            "form": form,
            "report": report,
            "department": department,
            "query_string": query.urlencode(),
            "total_cells": presentation.figure_cells(report.total),
            "sections": [
                (
                    section,
                    presentation.figure_cells(section.figures),
                    [(row.account, presentation.figure_cells(row.figures)) for row in section.accounts],
                )
                for section in report.departments
            ],
            "figure_names": [name for name, _value in presentation.figure_cells(report.total)],
            "charts": presentation.yearly_charts(report),
        },
    )


@login_required
def yearly_csv(request):
    _form, report, department = _report_for(request)
    response = HttpResponse(exports.report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, department, "csv")}"'
    return response


@login_required
@require_POST
def yearly_pdf(request):
    """Printing takes a headless browser some seconds: a worker makes the PDF, the page waits."""
    _form, report, department = _report_for(request, data=request.POST)
    report_pdf = services.report_pdf_request(actor=request.user, year=report.year, department=department)
    return redirect(report_pdf)


def _own_report_pdf(request, pk: int) -> ReportPdf:
    report_pdf = get_object_or_404(ReportPdf.objects.select_related("department"), pk=pk)
    if report_pdf.requested_by_id != request.user.pk:
        raise Http404
    if not permissions.can_take_out_report(request.user, report_pdf.department):
        raise PermissionDenied
    return report_pdf


@login_required
def yearly_pdf_status(request, pk: int):
    report_pdf = _own_report_pdf(request, pk)
    return render(
        request,
        "reports/pdf_status.html",
        {"report_pdf": report_pdf, "waiting": report_pdf.status == ReportPdf.Status.QUEUED},
    )


@login_required
def yearly_pdf_download(request, pk: int):
    report_pdf = _own_report_pdf(request, pk)
    if report_pdf.status != ReportPdf.Status.DONE:
        return redirect(report_pdf)
    suffix = report_pdf.department.series_code if report_pdf.department else "kommunen"
    response = HttpResponse(bytes(report_pdf.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="arsrapport-{report_pdf.year}-{suffix}.pdf"'
    return response
