"""Disclosure files: masked text, CSV, JSON and a PDF rendered by headless Chromium.

Masked passages are replaced before anything is rendered, so the secret text never reaches
the HTML, the PDF, the CSV or the JSON. A masked passage becomes a fixed-width block, which
does not reveal how long the passage was.
"""

import csv
import io
import json
from collections.abc import Callable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Platform
from smgov.lib.documents import document_date, document_time, yes_no
from smgov.lib.pdf import html_to_pdf

from .models import DisclosureExport, DisclosureItem, SecrecyProvision, provision_citation
from .search import searchable_text

MASK = "█" * 8


def mask_ranges(text: str, passages: list[tuple[str, str]]) -> list[list]:
    """Every occurrence of every (passage, provision), as merged [start, end, provision] ranges; where
    two passages overlap, the merged range cites both provisions."""
    ranges = []
    for passage, provision in passages:
        passage = passage.strip()
        if not passage:
            continue
        start = text.find(passage)
        while start != -1:
            ranges.append([start, start + len(passage), provision])
            start = text.find(passage, start + len(passage))
    merged: list[list] = []
    for start, end, provision in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            cited = merged[-1][2].split(",") if merged[-1][2] else []
            if provision and provision not in cited:
                merged[-1][2] = ",".join([*cited, provision])
        else:
            merged.append([start, end, provision])
    return merged


def _span(mask: list) -> tuple[int, int]:
    return mask[0], mask[1]


def apply_masks(text: str, masks: list[list]) -> str:
    parts, position = [], 0
    for mask in sorted(masks):
        start, end = _span(mask)
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        parts += [text[position:start], MASK]
        position = end
    parts.append(text[position:])
    return "".join(parts)


def masked_passages(text: str, masks: list[list]) -> list[tuple[str, str]]:
    """Each masked passage with the provision it cites ("" for a masking made before provisions were cited)."""
    return [(text[mask[0] : mask[1]], mask[2] if len(mask) > 2 else "") for mask in sorted(masks)]


def cited_provisions(items) -> list[str]:
    """Every provision the masks of these items cite, in the order of the law."""
    codes = set()
    for item in items:
        for mask in item.masks:
            if len(mask) > 2 and mask[2]:
                codes.update(mask[2].split(","))
        if item.mask_author and item.author_provision:
            codes.add(item.author_provision)

    def law_order(code: str):
        chapter, _sep, section = code.partition(":")
        return (int(chapter) if chapter.isdigit() else 999, section)

    return sorted(codes, key=law_order)


def decision(export: DisclosureExport, items=None) -> dict | None:
    """The decision to refuse the request in part (beslut om delvis avslag), when anything is masked: the
    provisions cited and how to appeal. None when every record is disclosed in full."""
    items = _items(export) if items is None else items
    if not any(item.masks or item.mask_author for item in items):
        return None
    titles = dict(SecrecyProvision.objects.values_list("code", "title"))
    provisions = [
        {"code": code, "citation": provision_citation(code), "title": titles.get(code, "")}
        for code in cited_provisions(items)
    ]
    return {
        "reference": export.request_reference,
        "municipality": settings.MUNICIPALITY_NAME,
        "provisions": provisions,
        "decided_by": export.created_by,
        "decided_on": document_date(timezone.localdate(export.created_at)),
    }


def decision_text(export: DisclosureExport, items=None) -> str:
    """The decision as plain text, for the PDF, the page and the files."""
    facts = decision(export, items)
    if facts is None:
        return ""
    return render_to_string("archive/decision.txt", {"decision": facts}).strip()


def item_row(item: DisclosureItem) -> dict:
    record = item.record
    text = searchable_text(record.text, record.text_format)
    masked = bool(item.masks) or item.mask_author
    return {
        "record": record.pk,
        "platform": record.platform,
        "account": record.account.display_name,
        "department": record.department.name,
        "kind": record.kind,
        "drawn_up_or_received": timezone.localtime(record.published_at).isoformat(),
        "author": MASK if item.mask_author else record.author_name,
        "author_handle": MASK if item.mask_author else record.author_handle,
        "text": apply_masks(text, item.masks),
        "permalink": record.permalink,
        "removed": timezone.localtime(record.removed_at).isoformat() if record.removed_at else "",
        "deleted_on_platform": (
            timezone.localtime(record.deleted_on_platform_at).isoformat()
            if record.deleted_on_platform_at
            else ""
        ),
        "masked": masked,
        # A hash of a masked text would let a guess be confirmed, so it is given only for unmasked records.
        "sha256": "" if masked else record.content_sha256,
    }


def _items(export: DisclosureExport) -> list[DisclosureItem]:
    return list(export.items.select_related("record", "record__account", "record__department"))


def export_rows(export: DisclosureExport) -> list[dict]:
    return [item_row(item) for item in _items(export)]


# The columns of the CSV a requester receives: Swedish headings, display labels, times in words.
CSV_COLUMNS = [
    ("record", _("Record")),
    ("platform", _("Platform")),
    ("account", _("Account")),
    ("department", _("Department")),
    ("kind", _("Kind")),
    ("drawn_up_or_received", _("Drawn up or received")),
    ("author", _("Author")),
    ("author_handle", _("User name")),
    ("text", _("Text")),
    ("permalink", _("Link")),
    ("removed", _("Removed by the municipality")),
    ("deleted_on_platform", _("Deleted on the platform")),
    ("masked", _("Masked")),
    ("secrecy", _("Secret under")),
    ("sha256", _("Checksum (SHA-256)")),
]


def document_row(item: DisclosureItem) -> dict:
    """The row as a person reads it (PDF, CSV): labels instead of codes, times in words."""
    record = item.record
    row = item_row(item)
    return {
        **row,
        "platform": Platform(record.platform).label if record.platform in Platform.values else record.platform,
        "kind": record.get_kind_display(),
        "drawn_up_or_received": document_time(record.published_at),
        "removed": document_time(record.removed_at),
        "deleted_on_platform": document_time(record.deleted_on_platform_at),
        "masked": row["masked"],
        "secrecy": ", ".join(provision_citation(code) for code in cited_provisions([item])),
    }


def _inert(value) -> str:
    """A value made inert for spreadsheet programs, which would run text starting with = + - @ as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(export: DisclosureExport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([str(heading) for _name, heading in CSV_COLUMNS])
    for item in _items(export):
        row = document_row(item)
        row["masked"] = yes_no(row["masked"])
        writer.writerow([_inert(row[name]) for name, _heading in CSV_COLUMNS])
    # A byte order mark so spreadsheet programs read the Swedish letters right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_json(export: DisclosureExport) -> bytes:
    document = {
        "request_reference": export.request_reference,
        "municipality": settings.MUNICIPALITY_NAME,
        "made_at": timezone.localtime().isoformat(),
        "decision": decision_text(export),
        "records": export_rows(export),
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def export_html(export: DisclosureExport) -> str:
    return render_to_string(
        "archive/export_pdf.html",
        {
            "export": export,
            "rows": [document_row(item) for item in _items(export)],
            "decision": decision_text(export),
            "municipality_name": settings.MUNICIPALITY_NAME,
            "made_at": document_time(timezone.now()),
        },
    )


def render_pdf(export: DisclosureExport, *, progress: Callable[[int], None] = lambda percent: None) -> bytes:
    html = export_html(export)
    progress(30)
    pdf = html_to_pdf(html, margin={"top": "18mm", "bottom": "18mm"})
    progress(90)
    return pdf
