"""Reading a PDF's text back in the tests, with pypdf (no poppler-utils needed)."""

import io
import unicodedata
from pathlib import Path

from pypdf import PdfReader

# Chromium's fonts set "fi", "ff", "fl" ... as one ligature glyph; pdftotext spelled them out, and
# so does this (U+FB00-U+FB06, the Latin ligatures, to their letters).
LIGATURES = {code: unicodedata.normalize("NFKC", chr(code)) for code in range(0xFB00, 0xFB07)}


def pdf_text(pdf: bytes | str | Path) -> str:
    """The text of every page, in reading order, with all whitespace collapsed to single spaces.

    Line breaks and layout padding differ between PDF text extractors (and a table cell's text
    wraps where the printer chose), so the tests compare words in order, not the layout.
    """
    data = bytes(pdf) if isinstance(pdf, bytes | bytearray | memoryview) else Path(pdf).read_bytes()
    assert data.startswith(b"%PDF"), "not a PDF"
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).translate(LIGATURES).split())
