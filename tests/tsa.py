"""A real RFC 3161 time-stamp authority on loopback, and test certificates.

`openssl ts -reply` answers each request, behind a small HTTP server (the TSA protocol over HTTP,
RFC 3161 §3.4), with a test CA made here and a TSA certificate carrying the critical
extendedKeyUsage timeStamping. `down` makes it answer 503, as a TSA being serviced does. The same CA
issues the municipality's signing certificate for the PDF tests.
"""

import datetime
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CONFIG = Path(__file__).resolve().parent / "fixtures" / "tsa" / "openssl-ts.cnf"


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Exempelby kommun (test)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass
class TestPKI:
    folder: Path
    ca_cert: Path
    tsa_cert: Path
    tsa_key: Path
    signing_cert: Path
    signing_key: Path
    other_ca_cert: Path  # a CA that issued none of these


def make_pki(folder: Path) -> TestPKI:
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    later = now + datetime.timedelta(days=3650)

    def ca(common_name):
        key = _key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(later)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        return key, cert

    ca_key, ca_cert = ca("Exempelby test-CA")
    _other_key, other_cert = ca("Någon annans CA")

    def leaf(common_name, usage, extended):
        key = _key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(later)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.ExtendedKeyUsage(extended), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        return key, cert

    signing_usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    tsa_key, tsa_cert = leaf("Exempelby test-TSA", signing_usage, [ExtendedKeyUsageOID.TIME_STAMPING])
    sign_key, sign_cert = leaf(
        "Exempelby kommun",
        signing_usage,
        [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CODE_SIGNING],
    )
    pem = serialization.Encoding.PEM
    files = {
        "ca.pem": ca_cert.public_bytes(pem),
        "other-ca.pem": other_cert.public_bytes(pem),
        "tsa.pem": tsa_cert.public_bytes(pem),
        "tsa.key": _pem_key(tsa_key),
        "signing.pem": sign_cert.public_bytes(pem) + ca_cert.public_bytes(pem),
        "signing.key": _pem_key(sign_key),
        "serial": b"01\n",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return TestPKI(
        folder,
        folder / "ca.pem",
        folder / "tsa.pem",
        folder / "tsa.key",
        folder / "signing.pem",
        folder / "signing.key",
        folder / "other-ca.pem",
    )


@dataclass
class LocalTSA:
    pki: TestPKI
    url: str = ""
    down: bool = False
    requests: list[bytes] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, query: bytes) -> bytes:
        # The reply carries the TSA's own certificate (the query asks for it); the CA comes from the
        # verifier's CA file. (OpenSSL writes a set of several certificates unsorted, which strict
        # DER readers such as rfc3161-client refuse.)
        with self._lock, tempfile.TemporaryDirectory() as scratch:
            query_file, reply_file = Path(scratch) / "query.tsq", Path(scratch) / "reply.tsr"
            query_file.write_bytes(query)
            subprocess.run(
                [
                    "openssl", "ts", "-reply", "-config", str(CONFIG), "-queryfile", str(query_file),
                    "-signer", str(self.pki.tsa_cert), "-inkey", str(self.pki.tsa_key), "-out", str(reply_file),
                ],  # fmt: skip
                check=True,
                capture_output=True,
                env={"TSA_DIR": str(self.pki.folder), "PATH": "/usr/bin:/bin"},
                timeout=30,
            )
            return reply_file.read_bytes()


def serve_tsa(tsa: LocalTSA) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            tsa.requests.append(body)
            if tsa.down or self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_response(503 if tsa.down else 415)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            answer = tsa.reply(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tsa.url = f"http://127.0.0.1:{server.server_port}/tsa"
    return server


def pdf_signature(pdf: bytes, ca_cert: Path):
    """The validation status of the PDF's one signature, by pyHanko, trusting only the test CA."""
    from concurrent.futures import ThreadPoolExecutor
    from io import BytesIO

    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(BytesIO(pdf), strict=False)
    assert len(reader.embedded_signatures) == 1, "the PDF has no signature, or more than one"
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca_cert))], allow_fetching=False)
    # pyHanko validates in an event loop of its own, which cannot start in a thread that already runs
    # one (a test worker that also drives Playwright): it gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(
            validate_pdf_signature,
            reader.embedded_signatures[0],
            signer_validation_context=context,
            ts_validation_context=context,
        ).result(timeout=120)
