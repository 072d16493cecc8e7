"""HTML to PDF with headless Chromium: the one printer behind snapshots, disclosure files and reports.

Every PDF printed here is signed (PAdES) with the municipality's certificate when one is set
(smgov/lib/signing.py). The HTML is a complete document rendered by Django's templates (platform
text escaped, platform HTML sanitised by the caller). Chromium prints it with JavaScript off and no network: every request the
page would make is refused, so a document can never fetch or leak anything while it is printed.
"""

import io
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHROMIUM = os.environ.get("SMGOV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000
PORTRAIT_MARGIN = {"top": "15mm", "bottom": "15mm"}
LANDSCAPE_MARGIN = {"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"}


def _print(html: str, *, landscape: bool, margin: dict[str, str]) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            context = browser.new_context(java_script_enabled=False, offline=True)
            page = context.new_page()
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="load", timeout=TIMEOUT_MS)
            return page.pdf(format="A4", landscape=landscape, print_background=True, margin=margin)
        finally:
            browser.close()


def html_to_pdf(html: str, *, landscape: bool = False, margin: dict[str, str] | None = None) -> bytes:
    """Print one HTML document to A4 PDF bytes.

    Playwright's synchronous API refuses to start in a thread that already runs an event loop (an
    async server, a browser test), so the printing gets a thread of its own, with a bound on the time.
    The PDF is signed when a signing certificate is set.
    """
    margin = margin or (LANDSCAPE_MARGIN if landscape else PORTRAIT_MARGIN)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print_signed, html, landscape=landscape, margin=margin).result(timeout=180)


def _print_signed(html: str, *, landscape: bool, margin: dict[str, str]) -> bytes:
    # Signing runs an event loop of its own (pyHanko), so it too gets the printing thread.
    from .signing import pdf_sign

    return pdf_sign(_print(html, landscape=landscape, margin=margin))


def _print_many(documents, deliver, *, landscape: bool, margin: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            context = browser.new_context(java_script_enabled=False, offline=True)
            page = context.new_page()
            page.route("**/*", lambda route: route.abort())
            for key, html in documents:
                page.set_content(html, wait_until="load", timeout=TIMEOUT_MS)
                deliver(key, page.pdf(format="A4", landscape=landscape, print_background=True, margin=margin))
        finally:
            browser.close()


def html_to_pdf_each(documents: list[tuple[object, str]], deliver, *, landscape: bool = False) -> None:
    """Print many HTML documents with one browser, as `html_to_pdf` prints one: `deliver(key, pdf)`
    is called for each `(key, html)` in turn (from the printing thread; it should only write files)."""
    if not documents:
        return
    margin = LANDSCAPE_MARGIN if landscape else PORTRAIT_MARGIN
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_print_many, documents, deliver, landscape=landscape, margin=margin).result(
            timeout=120 + 10 * len(documents)
        )


# --- PDF/A for keeping ----------------------------------------------------------------------------

GHOSTSCRIPT = os.environ.get("SMGOV_GHOSTSCRIPT", "/usr/bin/gs")
# The sRGB profile Debian's Ghostscript ships: the output intent every PDF/A file must carry.
ICC_PROFILE = os.environ.get("SMGOV_ICC_PROFILE", "/usr/share/color/icc/ghostscript/default_rgb.icc")

# The output intent, as Ghostscript's documentation on PDF/A output describes it: the ICC profile as a
# stream, an OutputIntent of subtype GTS_PDFA1 pointing at it, put into the document catalogue.
_OUTPUT_INTENT = """
[/_objdef {icc_PDFA} /type /stream /OBJ pdfmark
[{icc_PDFA} << /N 3 >> /PUT pdfmark
[{icc_PDFA} (%(profile)s) (r) file /PUT pdfmark
[/_objdef {OutputIntent_PDFA} /type /dict /OBJ pdfmark
[{OutputIntent_PDFA} << /Type /OutputIntent /S /GTS_PDFA1 /DestOutputProfile {icc_PDFA}
  /OutputConditionIdentifier (sRGB) /Info (sRGB IEC61966-2.1) >> /PUT pdfmark
[{Catalog} << /OutputIntents [ {OutputIntent_PDFA} ] >> /PUT pdfmark
"""


class PdfaError(RuntimeError):
    """Ghostscript could not make the PDF/A file."""


def pdf_to_pdfa(pdf: bytes, *, title: str) -> bytes:
    """The same document as PDF/A-2b, for the e-archive: Ghostscript rewrites it with every font
    embedded, an sRGB output intent and the PDF/A identification in its XMP metadata. Ghostscript
    10.0 drops a title holding characters outside ASCII ("Inlägg"), so the title is written again,
    into the XMP and the document information alike, by pikepdf."""
    import pikepdf

    with tempfile.TemporaryDirectory(prefix="smgov-pdfa-") as scratch:
        source, target, intent = Path(scratch, "in.pdf"), Path(scratch, "out.pdf"), Path(scratch, "intent.ps")
        source.write_bytes(pdf)
        intent.write_text(_OUTPUT_INTENT % {"profile": ICC_PROFILE}, encoding="ascii")
        command = [
            GHOSTSCRIPT, "-q", "-dPDFA=2", "-dPDFACompatibilityPolicy=1", "-dBATCH", "-dNOPAUSE",
            "-sDEVICE=pdfwrite", "-sColorConversionStrategy=RGB", f"--permit-file-read={ICC_PROFILE}",
            f"-sOutputFile={target}", str(intent), str(source),
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, timeout=120, check=False)  # noqa: S603 - our own files
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PdfaError(f"Ghostscript did not run: {error}") from error
        if done.returncode != 0 or not target.is_file():
            raise PdfaError(f"Ghostscript failed: {done.stderr.decode(errors='replace')[-500:]}")
        with pikepdf.open(target) as document:
            with document.open_metadata(set_pikepdf_as_editor=False) as meta:
                meta["dc:title"] = title
            out = io.BytesIO()
            document.save(out)
    return out.getvalue()
