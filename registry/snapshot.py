"""Snapshots (skärmdumpar): the thread as server-rendered HTML, printed to PDF by
headless Chromium.

The HTML is rendered by Django's templates, so platform text is escaped; platform HTML
(blogs, Mastodon) is sanitised with nh3 first. Chromium runs with JavaScript disabled and
no network: the page is given as content and prints what is in it.
"""

import hashlib

import nh3
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from archive.models import Record
from smgov.lib.pdf import html_to_pdf

from .diary import thread_records
from .models import DiaryDocument


def safe_record_html(record: Record) -> str:
    if record.text_format == "html":
        return mark_safe(nh3.clean(record.text))  # noqa: S308 - sanitised by nh3
    return ""


def snapshot_html(*, document: DiaryDocument) -> str:
    """The thread as the archive saw it when the snapshot was made."""
    root = document.record
    records = list(thread_records(root).select_related("account").order_by("published_at", "pk"))
    return render_to_string(
        "registry/snapshot.html",
        {
            "document": document,
            "case": document.case,
            "root": root,
            "items": [{"record": record, "html": safe_record_html(record)} for record in records],
            "made_at": timezone.now(),
        },
    )


def snapshot_render(*, document: DiaryDocument) -> tuple[bytes, str]:
    pdf = html_to_pdf(snapshot_html(document=document))
    return pdf, hashlib.sha256(pdf).hexdigest()
