"""RFC 3161 trusted timestamps of the hash chain: asking a time-stamp authority, and checking a token.

What is timestamped is the head of an account's chain: the message is the 32 bytes of the link's
hash, and the token's imprint is their SHA-256. A token is kept as the TSA's whole TimeStampResp
(DER, what `openssl ts -reply` writes), so it can also be checked with `openssl ts -verify`.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import requests
from cryptography import x509
from django.conf import settings
from django.utils.translation import gettext as _
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class TimestampError(Exception):
    """A timestamp that could not be had or does not hold; the message is shown to people."""


class TimestampUnavailable(TimestampError):
    """The TSA did not answer, or answered with an error: worth asking again later."""


class TimestampInvalid(TimestampError):
    """A token that does not match the chain or is not signed by a trusted TSA."""


@dataclass(frozen=True)
class TokenInfo:
    gen_time: datetime
    serial_number: str
    imprint: bytes


def chain_message(chain_hash: str) -> bytes:
    return bytes.fromhex(chain_hash)


def chain_imprint(chain_hash: str) -> bytes:
    return hashlib.sha256(chain_message(chain_hash)).digest()


@lru_cache(maxsize=4)
def _load_roots(path: str, _mtime: float) -> tuple[x509.Certificate, ...]:
    return tuple(x509.load_pem_x509_certificates(Path(path).read_bytes()))


def tsa_roots() -> tuple[x509.Certificate, ...]:
    """The CA certificates a token must chain to (SMGOV_TSA_CA_CERTS); empty when none is set."""
    path = settings.SMGOV_TSA_CA_CERTS
    if not path:
        return ()
    try:
        return _load_roots(path, Path(path).stat().st_mtime)
    except (OSError, ValueError) as error:
        raise TimestampInvalid(
            _("The TSA's CA certificates cannot be read (%(path)s): %(error)s")
            % {"path": path, "error": error}
        ) from error


def token_info(token: bytes) -> TokenInfo:
    response = decode_timestamp_response(token)
    info = response.tst_info
    return TokenInfo(info.gen_time, str(info.serial_number), info.message_imprint.message)


def token_verify(*, token: bytes, chain_hash: str, roots=None, nonce: int | None = None) -> TokenInfo:
    """Check the token's signature, its TSA certificate (critical timeStamping EKU) and chain to one
    of `roots`, and that its imprint is that of `chain_hash`. Raises TimestampInvalid."""
    roots = tsa_roots() if roots is None else roots
    if not roots:
        raise TimestampInvalid(
            _("No CA certificates to check the timestamps against: set SMGOV_TSA_CA_CERTS.")
        )
    try:
        response = decode_timestamp_response(token)
    except ValueError as error:
        raise TimestampInvalid(
            _("The timestamp token cannot be read: %(error)s") % {"error": error}
        ) from error
    builder = VerifierBuilder(nonce=nonce)
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify_message(response, chain_message(chain_hash))
    except VerificationError as error:
        raise TimestampInvalid(_("The timestamp does not verify: %(error)s") % {"error": error}) from error
    return token_info(token)


def tsa_request(*, chain_hash: str, url: str | None = None, timeout: int | None = None) -> bytes:
    """Ask the TSA for a token over the chain head, check it, and return the TimeStampResp bytes."""
    url = url or settings.SMGOV_TSA_URL
    request = (
        TimestampRequestBuilder()
        .data(chain_message(chain_hash))
        .hash_algorithm(HashAlgorithm.SHA256)
        .cert_request(cert_request=True)
        .nonce(nonce=True)
        .build()
    )
    try:
        answer = requests.post(
            url,
            data=request.as_bytes(),
            headers={"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE},
            timeout=timeout or settings.SMGOV_TSA_TIMEOUT,
        )
    except requests.RequestException as error:
        raise TimestampUnavailable(
            _("The time-stamp authority does not answer: %(error)s") % {"error": type(error).__name__}
        ) from error
    if answer.status_code != 200:
        raise TimestampUnavailable(
            _("The time-stamp authority answered with HTTP status %(status)s.")
            % {"status": answer.status_code}
        )
    try:
        response = decode_timestamp_response(answer.content)
    except ValueError as error:
        raise TimestampUnavailable(
            _("The time-stamp authority's answer is not a timestamp: %(error)s") % {"error": error}
        ) from error
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampUnavailable(
            _("The time-stamp authority refused the request (status %(status)s).")
            % {"status": response.status}
        )
    token_verify(token=answer.content, chain_hash=chain_hash, nonce=request.nonce)
    return answer.content
