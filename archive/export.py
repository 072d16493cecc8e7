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

from smgov.lib.pdf import html_to_pdf

from .models import DisclosureExport, DisclosureItem
from .search import searchable_text

MASK = "█" * 8


def mask_ranges(text: str, passages: list[str]) -> list[list[int]]:
    """Every occurrence of every passage, as merged [start, end) ranges."""
    ranges = []
    for passage in passages:
        passage = passage.strip()
        if not passage:
            continue
        start = text.find(passage)
        while start != -1:
            ranges.append([start, start + len(passage)])
            start = text.find(passage, start + len(passage))
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def apply_masks(text: str, masks: list[list[int]]) -> str:
    parts, position = [], 0
    for start, end in sorted(masks):
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        parts += [text[position:start], MASK]
        position = end
    parts.append(text[position:])
    return "".join(parts)


def masked_passages(text: str, masks: list[list[int]]) -> list[str]:
    return [text[start:end] for start, end in sorted(masks)]


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


def export_csv(export: DisclosureExport) -> bytes:
    rows = export_rows(export)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["record"])
    writer.writeheader()
    writer.writerows(rows)
    # A byte order mark so spreadsheet programs read the Swedish letters right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_json(export: DisclosureExport) -> bytes:
    document = {
        "request_reference": export.request_reference,
        "municipality": settings.MUNICIPALITY_NAME,
        "made_at": timezone.localtime().isoformat(),
        "records": export_rows(export),
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def export_html(export: DisclosureExport) -> str:
    return render_to_string(
        "archive/export_pdf.html",
        {
            "export": export,
            "rows": export_rows(export),
            "municipality_name": settings.MUNICIPALITY_NAME,
            "made_at": timezone.localtime(),
        },
    )


def render_pdf(export: DisclosureExport, *, progress: Callable[[int], None] = lambda percent: None) -> bytes:
    html = export_html(export)
    progress(30)
    pdf = html_to_pdf(html, margin={"top": "18mm", "bottom": "18mm"})
    progress(90)
    return pdf
