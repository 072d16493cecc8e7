"""PAdES signatures of the PDFs smgov makes, with the municipality's certificate and key.

SMGOV_SIGNING_CERT (PEM: the certificate first, then its chain) and SMGOV_SIGNING_KEY (PEM) turn it
on; with a time-stamp authority (SMGOV_TSA_URL) the signature also gets a signature timestamp
(PAdES B-T). A TSA that does not answer does not stop a document: it is signed without the
timestamp and the failure is logged.
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

from django.conf import settings

logger = logging.getLogger(__name__)

FIELD_NAME = "Signature"


class SigningError(Exception):
    """The signing certificate or key cannot be used."""


def signing_enabled() -> bool:
    return bool(settings.SMGOV_SIGNING_CERT and settings.SMGOV_SIGNING_KEY)


def _signer():
    from pyhanko.keys import load_certs_from_pemder, load_private_key_from_pemder
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    try:
        certificates = list(load_certs_from_pemder([settings.SMGOV_SIGNING_CERT]))
        key = load_private_key_from_pemder(
            settings.SMGOV_SIGNING_KEY, passphrase=settings.SMGOV_SIGNING_KEY_PASSPHRASE.encode() or None
        )
    except (OSError, ValueError, TypeError) as error:
        raise SigningError(f"SMGOV_SIGNING_CERT or SMGOV_SIGNING_KEY cannot be read: {error}") from error
    if not certificates:
        raise SigningError("SMGOV_SIGNING_CERT holds no certificate")
    # The municipality's certificate comes first in the file, its chain after it.
    chain = SimpleCertificateStore()
    chain.register_multiple(certificates[1:])
    return signers.SimpleSigner(signing_cert=certificates[0], signing_key=key, cert_registry=chain)


def _sign(pdf: bytes, *, signer, timestamper) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        location=settings.MUNICIPALITY_NAME,
        name=settings.MUNICIPALITY_NAME,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    return signers.sign_pdf(writer, metadata, signer=signer, timestamper=timestamper).getvalue()


def pdf_sign(pdf: bytes) -> bytes:
    """The PDF with a PAdES signature of the municipality, or unchanged when signing is off."""
    if not signing_enabled():
        return pdf
    # pyHanko runs an event loop of its own, which cannot start in a thread that already runs one
    # (a caller inside an asyncio or Playwright loop): it signs in a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_pdf_sign, pdf).result(timeout=180)


def _pdf_sign(pdf: bytes) -> bytes:
    signer = _signer()
    if settings.SMGOV_TSA_URL:
        import requests
        from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError

        timestamper = HTTPTimeStamper(settings.SMGOV_TSA_URL, timeout=settings.SMGOV_TSA_TIMEOUT)
        try:
            return _sign(pdf, signer=signer, timestamper=timestamper)
        except (TimestampRequestError, requests.RequestException, OSError) as error:
            logger.warning("pdf_signature_timestamp_failed", extra={"error": repr(error)})
    return _sign(pdf, signer=signer, timestamper=None)
