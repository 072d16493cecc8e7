"""Every PDF smgov prints is signed (PAdES) with the municipality's certificate from settings, with a
signature timestamp from the TSA when one is set; pyHanko's validation checks it."""

from pyhanko.pdf_utils.reader import PdfFileReader

from smgov.lib.pdf import html_to_pdf
from tests.tsa import pdf_signature

HTML = "<!doctype html><html lang='sv'><body><h1>Skärmdump</h1><p>Vägen är avstängd i dag.</p></body></html>"


def test_a_printed_pdf_carries_a_pades_signature_that_verifies(signing, settings):
    settings.SMGOV_TSA_URL = ""
    pdf = html_to_pdf(HTML)
    status = pdf_signature(pdf, signing.ca_cert)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert "Exempelby kommun" in status.signing_cert.subject.human_friendly
    from io import BytesIO

    signature = PdfFileReader(BytesIO(pdf)).embedded_signatures[0]
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


def test_a_changed_byte_breaks_the_signature(signing, settings):
    settings.SMGOV_TSA_URL = ""
    pdf = bytearray(html_to_pdf(HTML))
    # A byte inside the first content stream, well within the signed byte range.
    at = pdf.index(b"stream") + 20
    pdf[at] ^= 0x01
    status = pdf_signature(bytes(pdf), signing.ca_cert)
    assert not status.intact and not status.bottom_line


def test_with_a_tsa_the_signature_gets_a_timestamp(signing, tsa):
    status = pdf_signature(html_to_pdf(HTML), signing.ca_cert)
    assert status.bottom_line
    assert status.timestamp_validity is not None and status.timestamp_validity.valid
    assert status.timestamp_validity.trusted
    assert tsa.requests  # asked of the real local TSA


def test_a_tsa_that_is_down_does_not_stop_the_document(signing, tsa):
    tsa.down = True
    status = pdf_signature(html_to_pdf(HTML), signing.ca_cert)
    assert status.bottom_line and status.timestamp_validity is None


def test_without_a_certificate_pdfs_are_not_signed(settings):
    settings.SMGOV_SIGNING_CERT = settings.SMGOV_SIGNING_KEY = ""
    from io import BytesIO

    assert PdfFileReader(BytesIO(html_to_pdf(HTML))).embedded_signatures == []
