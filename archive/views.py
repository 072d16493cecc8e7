"""Archive pages: the registrar's search, the record page and disclosure exports.

Each view asks the permission policy, then a selector or a service.
"""

import nh3
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import permissions, selectors, services
from .export import MASK, apply_masks, decision_text, masked_passages
from .forms import ExportCreateForm, MaskForm, SearchForm
from .models import AccessLog, DisclosureExport, DisclosureItem, Record, SourceResponse, provision_citation
from .search import searchable_text


def _search_form(request):
    choices = selectors.search_filter_choices(user=request.user)
    return SearchForm(request.GET or None, **choices)


@login_required
def search(request):
    if not permissions.can_search(request.user):
        raise PermissionDenied
    form = _search_form(request)
    result = None
    if form.is_bound and form.is_valid():
        try:
            page_number = int(request.GET.get("sida", "1"))
        except ValueError:
            page_number = 1
        result = selectors.record_search(user=request.user, filters=form.filters(), page=page_number)
        for item in result.records:
            # Snippets are escaped by the selector before the matches are marked.
            item.snippet = result.snippets.get(item.pk, "")
            item.plain_text = searchable_text(item.text, item.text_format)
    query = request.GET.copy()
    query.pop("sida", None)
    context = {
        "form": form,
        "result": result,
        "page": result.page if result else None,
        "query_string": query.urlencode(),
        "can_export": permissions.can_export(request.user),
        "export_form": ExportCreateForm(),
        "facet_links": _facet_links(query, result) if result else [],
    }
    if result is None:
        # The start page: what came in lately and the person's disclosures still under way.
        context["recent"] = selectors.recently_archived(user=request.user)
        context["waiting_exports"] = selectors.exports_in_progress(user=request.user)
    return render(request, "archive/search.html", context)


def _facet_links(query, result) -> list[dict]:
    names = {
        "platform": _("Platform"),
        "kind": _("Kind"),
        "department": _("Department"),
        "year": _("Year"),
    } | {name: extension.label for name, extension in selectors.SEARCH_FILTER_EXTENSIONS.items()}
    groups = []
    for key, values in result.facets.items():
        links = []
        for facet in values:
            linked = query.copy()
            linked[key] = str(facet.value)
            if key == "year":
                linked.pop("date_from", None)
                linked.pop("date_to", None)
            links.append(
                {
                    "label": facet.label,
                    "count": facet.count,
                    "url": "?" + linked.urlencode(),
                    "current": query.get(key) == str(facet.value),
                }
            )
        groups.append({"key": key, "title": names[key], "links": links})
    return groups


def _visible_record(request, pk) -> Record:
    record = get_object_or_404(Record, pk=pk)
    if not permissions.can_view_record(request.user, record):
        raise PermissionDenied
    return selectors.record_for_page(user=request.user, pk=pk)


@login_required
def record(request, pk):
    if not permissions.can_search(request.user):
        raise PermissionDenied
    item = _visible_record(request, pk)
    services.record_view(user=request.user, record=item)
    versions = selectors.record_versions(record=item)
    sources = {version.source for version in versions if version.source} | (
        {item.source} if item.source else set()
    )
    return render(
        request,
        "archive/record.html",
        {
            "record": item,
            # Platform HTML is shown sanitised; plain text is escaped by the template.
            "text_html": mark_safe(nh3.clean(item.text)) if item.text_format == "html" else None,  # noqa: S308
            "thread": selectors.record_thread(user=request.user, record=item),
            "versions": versions,
            "pairs": selectors.version_pairs(versions),
            "sources": sorted(sources, key=lambda source: source.fetched_at),
            "chain": list(selectors.record_chain(record=item)),
            "access_log": selectors.record_access_log(record=item),
            "can_download_source": permissions.can_download_source(request.user, item),
            "media_files": list(item.media_files.order_by("pk")),
        },
    )


@login_required
def record_media(request, pk, media_pk):
    if not permissions.can_search(request.user):
        raise PermissionDenied
    item = _visible_record(request, pk)
    media = get_object_or_404(item.media_files, pk=media_pk, file__gt="")
    content = services.media_download(user=request.user, record=item, media=media)
    # A download, never shown in our pages: the file is the platform's (or the public's).
    response = HttpResponse(content, content_type="application/octet-stream")
    extension = media.file.name.rsplit(".", 1)[-1] if "." in media.file.name else "bin"
    response["Content-Disposition"] = (
        f'attachment; filename="media-{media.pk}-{media.sha256[:12]}.{extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def record_source(request, pk, source_pk):
    item = _visible_record(request, pk)
    if not permissions.can_download_source(request.user, item):
        raise PermissionDenied
    source_ids = {item.source_id, *item.versions.values_list("source_id", flat=True)} - {None}
    if source_pk not in source_ids:
        raise Http404
    source = get_object_or_404(SourceResponse, pk=source_pk)
    body = services.source_download(user=request.user, record=item, source=source)
    # Always a download, never rendered: the bytes are the platform's, not ours.
    response = HttpResponse(body, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="response-{source.pk}-{source.sha256[:12]}.bin"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Disclosure exports.


def _require_export(request):
    if not permissions.can_export(request.user):
        raise PermissionDenied


def _export(request, pk) -> DisclosureExport:
    _require_export(request)
    export = get_object_or_404(DisclosureExport, pk=pk)
    if not permissions.can_handle_export(request.user, export):
        raise PermissionDenied
    return export


@login_required
def export_list(request):
    _require_export(request)
    return render(request, "archive/export_list.html", {"exports": selectors.export_list(user=request.user)})


@login_required
@require_POST
def export_create(request):
    _require_export(request)
    form = ExportCreateForm(request.POST)
    if request.POST.get("scope") == "all":
        search_form = SearchForm(request.GET, **selectors.search_filter_choices(user=request.user))
        record_ids = (
            selectors.search_record_ids(
                user=request.user, filters=search_form.filters(), limit=services.MAX_EXPORT_RECORDS
            )
            if search_form.is_valid()
            else []
        )
    else:
        record_ids = [value for value in request.POST.getlist("records") if value.isdigit()]
    if not form.is_valid():
        messages.error(request, _("Say which request the records are disclosed for."))
        return redirect(reverse("archive:search") + ("?" + request.GET.urlencode() if request.GET else ""))
    try:
        export = services.export_create(
            actor=request.user,
            request_reference=form.cleaned_data["request_reference"],
            note=form.cleaned_data["note"],
            record_ids=record_ids,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("archive:search") + ("?" + request.GET.urlencode() if request.GET else ""))
    messages.success(request, _("The disclosure was created. Mark what must be masked before you export."))
    return redirect(export)


@login_required
def export_detail(request, pk):
    export = _export(request, pk)
    items = []
    export_items = list(selectors.export_items(export=export))
    for item in export_items:
        text = services.export_text(item.record)
        masked = masked_passages(text, item.masks)
        items.append(
            {
                "item": item,
                "masked_text": apply_masks(text, item.masks),
                "masks": [(passage, provision_citation(code) if code else "") for passage, code in masked],
                "author_citation": provision_citation(item.author_provision) if item.author_provision else "",
                "suggestions": selectors.mask_suggestions(text, masked={passage for passage, _code in masked}),
                "form": MaskForm(
                    prefix=f"item{item.pk}",
                    initial={
                        "passages": "\n".join(passage for passage, _code in masked),
                        "mask_author": item.mask_author,
                    },
                ),
            }
        )
    return render(
        request,
        "archive/export_detail.html",
        {
            "export": export,
            "items": items,
            "mask": MASK,
            "decision": decision_text(export, export_items),
            "log": export.access_log.exclude(action=AccessLog.Action.MASK).select_related("user"),
        },
    )


@login_required
@require_POST
def export_mask(request, pk, item_pk):
    export = _export(request, pk)
    item = get_object_or_404(DisclosureItem.objects.select_related("record"), pk=item_pk, export=export)
    form = MaskForm(request.POST, prefix=f"item{item.pk}")
    if form.is_valid():
        try:
            services.export_item_mask(
                actor=request.user,
                item=item,
                passages=form.passage_list(),
                mask_author=form.cleaned_data["mask_author"],
                provision=form.cleaned_data["provision"],
            )
            messages.success(request, _("The masking was saved."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(reverse("archive:export", args=[export.pk]) + f"#item-{item.pk}")


@login_required
@require_POST
def export_mask_suggestion(request, pk, item_pk):
    """One click on a suggestion: the passage is masked, citing the suggested provision."""
    export = _export(request, pk)
    item = get_object_or_404(DisclosureItem.objects.select_related("record"), pk=item_pk, export=export)
    try:
        services.export_item_mask_add(
            actor=request.user,
            item=item,
            passage=request.POST.get("passage", ""),
            provision=request.POST.get("provision", ""),
        )
        messages.success(request, _("The passage was masked."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("archive:export", args=[export.pk]) + f"#item-{item.pk}")


@login_required
@require_POST
def export_pdf(request, pk):
    export = _export(request, pk)
    try:
        services.export_queue_pdf(actor=request.user, export=export)
        messages.success(request, _("The PDF is being produced."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(export)


@login_required
def export_status(request, pk):
    """The PDF's progress, polled by the export page."""
    export = _export(request, pk)
    return render(request, "archive/_export_status.html", {"export": export})


CONTENT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8", "json": "application/json"}


@login_required
def export_download(request, pk, file_format):
    export = _export(request, pk)
    if file_format not in CONTENT_TYPES:
        raise Http404
    try:
        content = services.export_take_out(actor=request.user, export=export, file_format=file_format)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(export)
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="utlamnande-{export.pk}.{file_format}"'
    return response
