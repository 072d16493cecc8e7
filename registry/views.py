"""Pages of the diary: the registrar's queue, cases, the samlingsakt, the year report,
document classes, legal hold and disposal. Thin: permission, form, one service, message."""

import csv
import logging
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Department, ServiceAccount
from archive.models import Record

from . import diary, diary_export, diary_import, earchive, retention, selectors
from .forms import (
    AttachForm,
    DiaryExportForm,
    DiaryNumbersImportForm,
    DocumentClassForm,
    EarchiveOrderForm,
    LegalHoldForm,
    NotNeededForm,
    RegisterForm,
)
from .models import (
    DiaryCase,
    DiaryDocument,
    DiaryExport,
    DisposalBatch,
    DisposalRun,
    DocumentClass,
    EarchivePackage,
    RegistrationRequest,
)
from .permissions import (
    can_dispose,
    can_edit_document_classes,
    can_keep_diary,
    can_keep_record,
    can_read_year_report,
    can_view_document_classes,
    diary_departments,
    disposal_departments,
    report_departments,
)

PAGE_SIZE = 25

logger = logging.getLogger(__name__)


def _page(request, items, size=PAGE_SIZE):
    return Paginator(items, size).get_page(request.GET.get("sida"))


def record_url(record: Record) -> str | None:
    """The record's own page, where the archive has one."""
    try:
        return reverse("archive:record", args=[record.pk])
    except NoReverseMatch:
        return None


def _keeper_departments(request, of=diary_departments):
    departments = of(request.user)
    if not departments.exists():
        raise PermissionDenied
    return departments


def _request_for(request, pk) -> RegistrationRequest:
    registration = get_object_or_404(RegistrationRequest.objects.select_related("record__department"), pk=pk)
    if not can_keep_diary(request.user, registration.record.department):
        raise PermissionDenied
    return registration


@login_required
def queue(request):
    departments = _keeper_departments(request)
    page = _page(request, selectors.queue(departments=departments))
    cases_by_department = {}
    items = []
    for registration in page.object_list:
        department = registration.record.department
        if department.pk not in cases_by_department:
            cases_by_department[department.pk] = selectors.open_cases_for(department=department)
        root = diary.thread_root(registration.record)
        items.append(
            {
                "request": registration,
                "record": registration.record,
                "record_url": record_url(registration.record),
                "existing_case": diary.thread_registered_case(root),
                "register_form": RegisterForm(
                    initial={"title": diary.default_case_title(registration.record)},
                    prefix=f"r{registration.pk}",
                ),
                "attach_form": AttachForm(
                    cases=cases_by_department[department.pk], prefix=f"a{registration.pk}"
                ),
                "not_needed_form": NotNeededForm(prefix=f"n{registration.pk}"),
            }
        )
    return render(
        request,
        "registry/queue.html",
        {"page": page, "items": items, "departments": departments, "year": diary.local_year()},
    )


@login_required
@require_POST
def register(request, pk):
    registration = _request_for(request, pk)
    form = RegisterForm(request.POST, prefix=f"r{pk}")
    if not form.is_valid():
        messages.error(request, _("Give the case a title."))
        return redirect("registry:diary")
    try:
        case = diary.diary_case_register(
            actor=request.user,
            record=registration.record,
            title=form.cleaned_data["title"],
            request=registration,
        )
    except diary.DiaryError as error:
        messages.error(request, str(error))
        return redirect("registry:diary")
    messages.success(request, _("Registered as %(number)s.") % {"number": case.diary_number})
    return redirect(case)


@login_required
@require_POST
def attach(request, pk):
    registration = _request_for(request, pk)
    form = AttachForm(
        request.POST,
        cases=selectors.open_cases_for(department=registration.record.department),
        prefix=f"a{pk}",
    )
    if not form.is_valid():
        messages.error(request, _("Choose a case."))
        return redirect("registry:diary")
    case = form.cleaned_data["case"]
    try:
        diary.diary_case_attach(
            actor=request.user, record=registration.record, case=case, request=registration
        )
    except diary.DiaryError as error:
        messages.error(request, str(error))
        return redirect("registry:diary")
    messages.success(request, _("Attached to %(number)s.") % {"number": case.diary_number})
    return redirect(case)


@login_required
@require_POST
def not_needed(request, pk):
    registration = _request_for(request, pk)
    form = NotNeededForm(request.POST, prefix=f"n{pk}")
    if not form.is_valid():
        messages.error(request, _("Say why no registration is needed."))
        return redirect("registry:diary")
    try:
        diary.registration_not_needed(
            actor=request.user, request=registration, note=form.cleaned_data["note"]
        )
    except diary.DiaryError as error:
        messages.error(request, str(error))
        return redirect("registry:diary")
    messages.success(request, _("Marked as not needing registration."))
    return redirect("registry:diary")


@login_required
def case_list(request):
    departments = _keeper_departments(request)
    page = _page(request, selectors.cases(departments=departments))
    return render(request, "registry/case_list.html", {"page": page})


def _case_for(request, pk) -> DiaryCase:
    case = get_object_or_404(DiaryCase.objects.select_related("department", "thread", "registered_by"), pk=pk)
    if not can_keep_diary(request.user, case.department):
        raise PermissionDenied
    return case


def _documents_context(case):
    documents = list(selectors.case_documents(case=case))
    return {
        "case": case,
        "documents": [
            {"document": document, "record_url": record_url(document.record) if document.record else None}
            for document in documents
        ],
        "pending": any(d.snapshot_state == DiaryDocument.SnapshotState.PENDING for d in documents),
    }


@login_required
def case_detail(request, pk):
    case = _case_for(request, pk)
    if case.is_collective:
        return redirect("registry:diary_samlingsakt", department=case.department_id, year=case.year)
    return render(request, "registry/case_detail.html", _documents_context(case))


@login_required
def case_documents(request, pk):
    """The documents table alone; the case page polls it while a snapshot is being made."""
    case = _case_for(request, pk)
    return render(request, "registry/includes/documents.html", _documents_context(case))


@login_required
def document_file(request, pk):
    document = get_object_or_404(DiaryDocument.objects.select_related("case__department"), pk=pk)
    if not can_keep_diary(request.user, document.case.department):
        raise PermissionDenied
    if not document.file:
        raise Http404
    try:
        stored = document.file.open("rb")
    except FileNotFoundError:
        logger.error(
            "diary document %s: its file %s is missing from the file store", document.pk, document.file.name
        )
        raise Http404(
            _("The document's file is missing from the file store; tell the IT department.")
        ) from None
    return FileResponse(
        stored,
        content_type="application/pdf",
        as_attachment=False,
        filename=f"{document.document_number.replace(' ', '-').replace('/', '-')}.pdf",
    )


def _choose_department(request, departments, target: str):
    """This year's page of the one department, or a choice when a person keeps several."""
    if not departments.exists():
        raise PermissionDenied
    year = diary.local_year()
    if departments.count() == 1:
        return redirect(target, department=departments.get().pk, year=year)
    return render(
        request,
        "registry/department_choice.html",
        {"departments": departments, "year": year, "target": target},
    )


@login_required
def samlingsakt_start(request):
    return _choose_department(request, diary_departments(request.user), "registry:diary_samlingsakt")


@login_required
def samlingsakt(request, department, year):
    """The year's samlingsakt. Opening it only reads: a samlingsakt not yet created is created,
    and its diary number taken, by a deliberate POST from the page."""
    department = _department_year(request, department, year, can_keep_diary)
    if request.method == "POST":
        collective = diary.samlingsakt_get_or_create(actor=request.user, department=department, year=year)
        messages.success(
            request, _("The samlingsakt %(number)s was created.") % {"number": collective.diary_number}
        )
        return redirect("registry:diary_samlingsakt", department=department.pk, year=year)
    collective = selectors.samlingsakt(department=department, year=year)
    page = _page(request, selectors.samlingsakt_posts(department=department, year=year))
    rows = [{"record": record, "record_url": record_url(record)} for record in page.object_list]
    return render(
        request,
        "registry/samlingsakt.html",
        {
            "department": department,
            "year": year,
            "case": collective,
            "page": page,
            "rows": rows,
            "cross_references": selectors.cross_references(department=department, year=year),
        },
    )


def _department_year(request, department_pk: int, year: int, allowed) -> Department:
    """The department of a per-year page, if the person may see it and the year is plausible."""
    department = get_object_or_404(Department, pk=department_pk)
    if not allowed(request.user, department):
        raise PermissionDenied
    if year < 2000 or year > diary.local_year() + 1:
        raise Http404
    return department


def _report_for(request, department, year):
    department = _department_year(request, department, year, can_read_year_report)
    return selectors.year_report(department=department, year=year)


@login_required
def year_report_start(request):
    return _choose_department(request, report_departments(request.user), "registry:diary_year_report")


@login_required
def year_report(request, department, year):
    report = _report_for(request, department, year)
    return render(request, "registry/year_report.html", {"report": report})


def _report_rows(report):
    rows = [
        (_("Department"), str(report.department)),
        (_("Year"), report.year),
        (_("Samlingsakt"), report.samlingsakt.diary_number if report.samlingsakt else ""),
        (_("Posts"), report.posts),
        (_("Posts with their own case"), report.posts_with_own_case),
        (_("Replies by the municipality"), report.own_replies),
        (_("Questions and comments from the public"), report.questions),
        (_("Questions registered in the diary"), report.questions_registered),
        (_("Questions of minor importance, not registered"), report.questions_minor),
        (_("Cases with their own diary number"), report.cases),
        (_("Documents registered"), report.documents_registered),
        (_("In the diary"), report.in_diary),
    ]
    return rows


@login_required
def year_report_csv(request, department, year):
    report = _report_for(request, department, year)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="arsrapport-{report.department.series_code}-{year}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("Figure"), _("Value")])
    writer.writerows(_report_rows(report))
    writer.writerow([])
    writer.writerow([_("Diary number"), _("Title"), _("Registered")])
    for case in report.cross_references:
        writer.writerow(
            [case.diary_number, case.title, timezone.localtime(case.registered_at).date().isoformat()]
        )
    return response


@login_required
def year_report_pdf(request, department, year):
    from smgov.lib.pdf import html_to_pdf

    report = _report_for(request, department, year)
    html = render_to_string(
        "registry/year_report_print.html",
        {"report": report, "rows": _report_rows(report), "made_at": timezone.now()},
    )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="arsrapport-{report.department.series_code}-{year}.pdf"'
    )
    return response


@login_required
def document_classes(request):
    if not can_view_document_classes(request.user):
        raise PermissionDenied
    return render(
        request,
        "registry/document_classes.html",
        {"classes": DocumentClass.objects.all(), "can_edit": can_edit_document_classes(request.user)},
    )


@login_required
def document_class_edit(request, pk=None):
    if not can_edit_document_classes(request.user):
        raise PermissionDenied
    instance = get_object_or_404(DocumentClass, pk=pk) if pk else None
    form = DocumentClassForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        retention.document_class_save(actor=request.user, document_class=form.save(commit=False))
        messages.success(request, _("The document class was saved."))
        return redirect("registry:diary_document_classes")
    return render(request, "registry/document_class_form.html", {"form": form, "instance": instance})


@login_required
def legal_hold(request, record):
    record = get_object_or_404(Record.objects.select_related("department", "account"), pk=record)
    if not can_keep_record(request.user, record):
        raise PermissionDenied
    form = LegalHoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hold = request.POST.get("hold") == "1"
        retention.legal_hold_set(
            actor=request.user, record=record, hold=hold, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request, _("The record is on legal hold.") if hold else _("The legal hold was lifted.")
        )
        return redirect("registry:diary_legal_hold", record=record.pk)
    classification = getattr(record, "classification", None)
    return render(
        request,
        "registry/legal_hold.html",
        {
            "record": record,
            "record_url": record_url(record),
            "classification": classification,
            "form": form,
            "case": diary.thread_registered_case(record),
        },
    )


@login_required
def disposal(request):
    departments = _keeper_departments(request, disposal_departments)
    page = _page(request, selectors.disposal_batches(departments=departments))
    return render(request, "registry/disposal.html", {"page": page, "departments": departments})


@login_required
@require_POST
def disposal_propose(request):
    """Start a dry run; a worker makes it while its page shows the progress."""
    department = get_object_or_404(Department, pk=request.POST.get("department") or 0)
    if not can_dispose(request.user, department):
        raise PermissionDenied
    run = retention.disposal_run_start(actor=request.user, department=department)
    return redirect(run)


@login_required
def disposal_run(request, pk):
    """The dry run's progress (polled by the page while it runs), then what it found."""
    run = get_object_or_404(DisposalRun.objects.select_related("department", "requested_by", "batch"), pk=pk)
    if not can_dispose(request.user, run.department):
        raise PermissionDenied
    classes = [
        {**entry, "next_due": date.fromisoformat(entry["next_due"]) if entry.get("next_due") else None}
        for entry in run.result.get("classes", [])
    ]
    context = {"run": run, "classes": classes}
    if request.htmx:
        return render(request, "registry/_disposal_run_status.html", context)
    return render(request, "registry/disposal_run.html", context)


def _batch_for(request, pk) -> DisposalBatch:
    batch = get_object_or_404(DisposalBatch.objects.select_related("department", "approved_by"), pk=pk)
    if not can_dispose(request.user, batch.department):
        raise PermissionDenied
    return batch


@login_required
def disposal_batch(request, pk):
    batch = _batch_for(request, pk)
    candidates = batch.candidates.select_related("record", "record__account", "document_class").order_by(
        "retention_until", "pk"
    )
    page = _page(request, candidates, 50)
    log = (
        _page(request, batch.log.order_by("pk"), 50) if batch.state == DisposalBatch.State.DISPOSED else None
    )
    return render(request, "registry/disposal_batch.html", {"batch": batch, "page": page, "log": log})


@login_required
@require_POST
def disposal_approve(request, pk):
    batch = _batch_for(request, pk)
    try:
        batch = retention.disposal_approve(actor=request.user, batch=batch)
    except retention.DisposalError as error:
        messages.error(request, str(error))
        return redirect("registry:diary_disposal_batch", pk=pk)
    messages.success(
        request,
        _("%(disposed)s records were disposed of; %(kept)s were kept.")
        % {"disposed": batch.disposed_count, "kept": batch.skipped_count},
    )
    return redirect("registry:diary_disposal_batch", pk=pk)


def _earchive_form(request, data=None):
    departments = _keeper_departments(request)
    accounts = ServiceAccount.objects.filter(department__in=departments).order_by(
        "department__name", "display_name"
    )
    return EarchiveOrderForm(
        data, accounts=accounts, departments=departments, initial={"year": timezone.localdate().year - 1}
    )


@login_required
def earchive_packages(request):
    """Packages for the e-archive of the departments whose diary the person keeps, and the order form."""
    departments = _keeper_departments(request)
    packages = EarchivePackage.objects.filter(department__in=departments).select_related(
        "account", "department", "created_by"
    )
    return render(
        request,
        "registry/earchive.html",
        {"page": _page(request, packages), "form": _earchive_form(request)},
    )


@login_required
@require_POST
def earchive_order(request):
    form = _earchive_form(request, request.POST)
    if not form.is_valid():
        departments = _keeper_departments(request)
        packages = EarchivePackage.objects.filter(department__in=departments)
        return render(
            request, "registry/earchive.html", {"page": _page(request, packages), "form": form}, status=400
        )
    try:
        package = earchive.earchive_package_queue(actor=request.user, **form.scope_arguments())
    except earchive.EarchiveError as error:
        messages.error(request, str(error))
        return redirect("registry:diary_earchive")
    messages.success(request, _("The package is being produced."))
    return redirect("registry:diary_earchive_package", pk=package.pk)


def _package_for(request, pk) -> EarchivePackage:
    package = get_object_or_404(
        EarchivePackage.objects.select_related("account", "department", "created_by", "previous"), pk=pk
    )
    if not can_keep_diary(request.user, package.department):
        raise PermissionDenied
    return package


@login_required
def earchive_package(request, pk):
    return render(request, "registry/earchive_package.html", {"package": _package_for(request, pk)})


@login_required
def earchive_package_status(request, pk):
    """The package's progress, polled by its page."""
    return render(request, "registry/_earchive_status.html", {"package": _package_for(request, pk)})


@login_required
def earchive_package_file(request, pk):
    package = _package_for(request, pk)
    if package.status != EarchivePackage.Status.DONE or not package.file:
        raise Http404
    return FileResponse(
        package.file.open("rb"),
        as_attachment=True,
        filename=f"{package.objid}.zip",
        content_type="application/zip",
    )


def _diary_export_page(request, form, status=200):
    departments = _keeper_departments(request)
    exports = DiaryExport.objects.filter(department__in=departments).select_related(
        "department", "created_by"
    )
    return render(
        request, "registry/diary_exports.html", {"page": _page(request, exports), "form": form}, status=status
    )


def _diary_export_form(request, data=None):
    return DiaryExportForm(
        data, departments=_keeper_departments(request), initial={"year": timezone.localdate().year}
    )


@login_required
def diary_exports(request):
    """The diary of a department and year for the case-management system, and the import of numbers."""
    return _diary_export_page(request, _diary_export_form(request))


@login_required
@require_POST
def diary_export_order(request):
    form = _diary_export_form(request, request.POST)
    if not form.is_valid():
        return _diary_export_page(request, form, status=400)
    try:
        export = diary_export.diary_export_order(
            actor=request.user, department=form.cleaned_data["department"], year=form.cleaned_data["year"]
        )
    except diary_export.DiaryExportError as error:
        messages.error(request, str(error))
        return redirect("registry:diary_exports")
    if export.status == DiaryExport.Status.DONE:
        messages.success(request, _("The diary was exported."))
    else:
        messages.info(request, _("The export is being made; it is listed below when it is ready."))
    return redirect("registry:diary_exports")


def _export_file(request, pk, field: str, content_type: str):
    export = get_object_or_404(DiaryExport.objects.select_related("department"), pk=pk)
    if not can_keep_diary(request.user, export.department):
        raise PermissionDenied
    file = getattr(export, field)
    if export.status != DiaryExport.Status.DONE or not file:
        raise Http404
    return FileResponse(
        file.open("rb"), as_attachment=True, filename=file.name.rsplit("/", 1)[-1], content_type=content_type
    )


@login_required
def diary_export_xml(request, pk):
    return _export_file(request, pk, "xml_file", "application/xml")


@login_required
def diary_export_csv(request, pk):
    return _export_file(request, pk, "csv_file", "text/csv; charset=utf-8")


@login_required
def diary_numbers_import(request):
    """Upload a CSV of diary numbers given in the case-management system, see every line's problems,
    and confirm. The upload and the preview write nothing; the confirmation imports the good lines."""
    departments = _keeper_departments(request)
    form = DiaryNumbersImportForm()
    context = {"form": form}
    if request.method == "POST" and request.POST.get("confirm"):
        data = request.POST.get("data", "").encode("utf-8")
        try:
            cases = diary_import.diary_numbers_import(actor=request.user, data=data, departments=departments)
        except (diary_import.ImportFileError, diary.DiaryError) as error:
            messages.error(request, str(error))
            return redirect("registry:diary_numbers_import")
        messages.success(
            request,
            _("%(count)s threads were linked to their diary numbers.") % {"count": len(cases)},
        )
        return redirect("registry:diary_cases")
    if request.method == "POST":
        form = DiaryNumbersImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            raw = form.cleaned_data["file"].read(diary_import.MAX_BYTES + 1)
            try:
                lines = diary_import.import_preview(data=raw, departments=departments)
            except diary_import.ImportFileError as error:
                form.add_error("file", str(error))
            else:
                good = [line for line in lines if line.ok]
                context |= {
                    "lines": lines,
                    "good": len(good),
                    "bad": len(lines) - len(good),
                    # The file as read, to be imported as previewed when the registrar confirms.
                    "data": diary_import.decode(raw),
                }
        status = 200 if form.is_valid() else 400
        return render(request, "registry/diary_numbers_import.html", context, status=status)
    return render(request, "registry/diary_numbers_import.html", context)
