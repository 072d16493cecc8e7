"""Snapshots (skärmdumpar) and printable reports: server-rendered HTML printed to PDF by
headless Chromium.

The HTML is rendered by Django's templates, so platform text is escaped; platform HTML
(blogs, Mastodon) is sanitised with nh3 first. Chromium runs with JavaScript disabled and
no network: the page is given as content and prints what is in it.
"""

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor

import nh3
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from archive.models import Record

from .diary import thread_records
from .models import DiaryDocument

CHROMIUM = os.environ.get("SMGOV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _print(html: str) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(java_script_enabled=False, offline=True)
            page = context.new_page()
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True, margin={"top": "15mm", "bottom": "15mm"})
        finally:
            browser.close()


def html_to_pdf(html: str) -> bytes:
    """Print HTML to PDF. Runs in its own thread, because Playwright's sync API refuses to
    start inside a thread that already has an event loop (a test's browser, for one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print, html).result(timeout=120)


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
