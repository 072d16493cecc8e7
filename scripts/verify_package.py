#!/usr/bin/env python3
"""Verify an e-archive package from smgov without smgov: standard library and `cryptography` only.

    python3 verify_package.py PACKAGE [--ca TSA-CA.pem]

PACKAGE is the package's folder (the one with METS.xml) or its zip. Checked:

1. every file against the SHA-256 and size that the METS file sections (and metadata references)
   give it, and that no file is outside them;
2. the hash chain of each account in the package (metadata/preservation/hash-chain.json): every link's hash recomputed
   from its fields and the link before, and every version of the package's records against its
   file and its link;
3. every RFC 3161 timestamp (metadata/preservation/timestamps/*.tsr): the imprint against the
   chain link it names, the CMS signature, the signing certificate named in the signed attributes,
   the TSA certificate's critical timeStamping key usage and its chain to a certificate in the CA
   file given with --ca.

Prints a report in Swedish and exits 0 when everything holds, 1 at any failure, 2 on wrong use.
"""

import argparse
import hashlib
import json
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

METS = "{http://www.loc.gov/METS/}"
XLINK = "{http://www.w3.org/1999/xlink}"
CHAIN_FILE = "metadata/preservation/hash-chain.json"
GENESIS = "0" * 64

OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_TST_INFO = "1.2.840.113549.1.9.16.1.4"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12"
OID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"
DIGESTS = {
    "1.3.14.3.2.26": hashes.SHA1,
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}
RSA_SIGNATURES = {
    "1.2.840.113549.1.1.1": None,  # rsaEncryption: the digest algorithm of the signer
    "1.2.840.113549.1.1.11": hashes.SHA256,
    "1.2.840.113549.1.1.12": hashes.SHA384,
    "1.2.840.113549.1.1.13": hashes.SHA512,
}
ECDSA_SIGNATURES = {
    "1.2.840.10045.4.3.2": hashes.SHA256,
    "1.2.840.10045.4.3.3": hashes.SHA384,
    "1.2.840.10045.4.3.4": hashes.SHA512,
}


class Failure(Exception):
    """One thing that does not hold; the message is in Swedish."""


# --- DER, as much as a time-stamp token needs -----------------------------------------------------


class Node:
    """One DER element: its tag, its content, and its whole encoding."""

    def __init__(self, data: bytes, start: int):
        if start + 2 > len(data):
            raise Failure("ASN.1-data tar slut för tidigt")
        self.tag = data[start]
        length = data[start + 1]
        offset = start + 2
        if length & 0x80:
            count = length & 0x7F
            if count == 0 or count > 4:
                raise Failure("ASN.1-längden kan inte läsas")
            length = int.from_bytes(data[offset : offset + count], "big")
            offset += count
        self.content = data[offset : offset + length]
        if len(self.content) != length:
            raise Failure("ASN.1-data tar slut för tidigt")
        self.encoded = data[start : offset + length]
        self.end = offset + length

    def children(self) -> list["Node"]:
        nodes, offset = [], 0
        while offset < len(self.content):
            node = Node(self.content, offset)
            nodes.append(node)
            offset = node.end
        return nodes

    def oid(self) -> str:
        if self.tag != 0x06:
            raise Failure("en objektidentifierare väntades")
        values, value = [], 0
        for byte in self.content:
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                values.append(value)
                value = 0
        first = min(values[0] // 40, 2)
        return ".".join(str(part) for part in [first, values[0] - 40 * first, *values[1:]])

    def integer(self) -> int:
        if self.tag != 0x02:
            raise Failure("ett heltal väntades")
        return int.from_bytes(self.content, "big", signed=True)


def der(data: bytes) -> Node:
    node = Node(data, 0)
    if node.end != len(data):
        raise Failure("det finns data efter ASN.1-strukturen")
    return node


def generalized_time(node: Node) -> datetime:
    text = node.content.decode("ascii").rstrip("Z")
    whole, _, fraction = text.partition(".")
    at = datetime.strptime(whole, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return at.replace(microsecond=int((fraction + "000000")[:6])) if fraction else at


# --- the package ------------------------------------------------------------------------------------


class Report:
    def __init__(self):
        self.lines: list[str] = []
        self.failures = 0

    def ok(self, text: str) -> None:
        self.lines.append(f"OK   {text}")

    def fail(self, text: str) -> None:
        self.failures += 1
        self.lines.append(f"FEL  {text}")

    def note(self, text: str) -> None:
        self.lines.append(f"     {text}")


def _inside(root: Path, relative: str) -> Path:
    path = (root / relative).resolve()
    if root.resolve() not in path.parents and path != root.resolve():
        raise Failure(f"{relative} pekar utanför paketet")
    return path


def _parse_xml(path: Path) -> ET.ElementTree:
    """A METS file; one with a document type (entities, external references) is refused unread."""
    data = path.read_bytes()
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise Failure("METS-filen har en dokumenttypdeklaration, vilket ett paket inte ska ha")
    return ET.ElementTree(ET.fromstring(data))  # noqa: S314 - no DTD, so no entities to expand


def check_files(root: Path, report: Report) -> None:
    """Every file against its METS checksum, and no file outside the METS file sections."""
    listed = {(root / "METS.xml").resolve()}
    pending = [root / "METS.xml"]
    checked = bad = 0
    while pending:
        mets = pending.pop()
        try:
            tree = _parse_xml(mets)
        except (ET.ParseError, OSError, Failure) as error:
            report.fail(f"{mets.relative_to(root)} kan inte läsas: {error}")
            continue
        for element in tree.iter():
            if element.tag == f"{METS}file":
                location = element.find(f"{METS}FLocat")
                href = location.get(f"{XLINK}href") if location is not None else None
            elif element.tag == f"{METS}mdRef":
                href = element.get(f"{XLINK}href")
            else:
                continue
            if not href:
                report.fail(f"{mets.relative_to(root)}: en fil utan adress")
                bad += 1
                continue
            try:
                path = _inside(mets.parent, href)
            except Failure as error:
                report.fail(str(error))
                bad += 1
                continue
            listed.add(path)
            name = path.relative_to(root.resolve()).as_posix()
            if not path.is_file():
                report.fail(f"{name} saknas")
                bad += 1
                continue
            data = path.read_bytes()
            if element.get("CHECKSUMTYPE") != "SHA-256":
                report.fail(f"{name} har ingen SHA-256 i METS")
                bad += 1
            elif hashlib.sha256(data).hexdigest() != element.get("CHECKSUM"):
                report.fail(f"{name} stämmer inte med sin SHA-256 i METS")
                bad += 1
            elif element.get("SIZE") and int(element.get("SIZE")) != len(data):
                report.fail(f"{name} har inte den storlek METS anger")
                bad += 1
            else:
                checked += 1
            if path.name == "METS.xml":
                pending.append(path)
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.resolve() not in listed:
            report.fail(f"{path.relative_to(root).as_posix()} finns inte i någon METS-filsektion")
            bad += 1
    if not bad:
        report.ok(f"Kontrollsummor: alla {checked} filer stämmer med METS (SHA-256)")


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_chain(root: Path, report: Report) -> dict | None:
    """The hash chain recomputed, and each version of the package's records against it."""
    path = root / CHAIN_FILE
    if not path.is_file():
        report.fail(f"Hashkedjan saknas ({CHAIN_FILE})")
        return None
    try:
        chain = json.loads(path.read_text(encoding="utf-8"))
        chains = chain["chains"]
        if not all({"account", "links"} <= set(part) for part in chains):
            raise KeyError("account, links")
    except (ValueError, KeyError, TypeError) as error:
        report.fail(f"Hashkedjan kan inte läsas: {error}")
        return None
    problems = 0
    version_links = {}
    for part in chains:
        hashes_at = _check_links(part, version_links, report)
        if hashes_at is None:
            return None
        part["_hashes_at"] = hashes_at

    covered = set()
    latest = {}
    for version in chain.get("versions", []):
        name = f"{version['platform']}:{version['platform_id']} version {version['number']}"
        if version.get("file"):
            try:
                file = _inside(root, version["file"])
            except Failure as error:
                report.fail(str(error))
                problems += 1
                continue
            covered.add(file)
            if not file.is_file():
                report.fail(f"{name}: filen {version['file']} saknas")
                problems += 1
                continue
            if _sha256(file.read_bytes()) != version["raw_sha256"]:
                report.fail(f"{name}: filen {version['file']} är inte den som togs emot")
                problems += 1
                continue
        if not version.get("purged"):
            recomputed = _sha256(
                _canonical(
                    [
                        version["platform"], version["platform_id"], version["number"], version["text"],
                        version["raw_sha256"],
                    ]  # fmt: skip
                )
            )
            if recomputed != version["sha256"]:
                report.fail(f"{name}: texten stämmer inte med versionens hash")
                problems += 1
                continue
        chained = version_links.get((version["platform"], version["platform_id"], version["number"]))
        if chained != version["sha256"]:
            report.fail(f"{name}: versionen finns inte så i hashkedjan")
            problems += 1
            continue
        if version.get("latest"):
            latest[version["record"]] = version["sha256"]
    for file in sorted(root.glob("representations/*/data/records/*/version-*.json")):
        if file.resolve() not in covered:
            report.fail(f"{file.relative_to(root).as_posix()} finns inte i hashkedjan")
            problems += 1
    for catalogue in root.glob("representations/*/data/records.json"):
        try:
            entries = json.loads(catalogue.read_text(encoding="utf-8"))
        except ValueError as error:
            report.fail(f"{catalogue.relative_to(root).as_posix()} kan inte läsas: {error}")
            problems += 1
            continue
        missing = set(latest) - {entry.get("id") for entry in entries}
        if missing:
            report.fail(f"{len(missing)} poster i hashkedjan saknas i {catalogue.relative_to(root).as_posix()}")
            problems += 1
        for entry in entries:
            if latest.get(entry.get("id")) != entry.get("content_sha256"):
                report.fail(
                    f"Posten {entry.get('platform')}:{entry.get('platform_id')} i records.json stämmer inte "
                    "med sin senaste version i hashkedjan"
                )
                problems += 1
    if not problems:
        report.ok(
            f"Posterna: alla {len(chain.get('versions', []))} versioner stämmer med sina filer och med hashkedjan"
        )
    return chain


def _check_links(part: dict, version_links: dict, report: Report) -> dict | None:
    """One account's chain recomputed link by link; the hash at each link, or None when it fails.
    The versions it chains are added to ``version_links``."""
    account, links = part["account"], part["links"]
    prev = GENESIS
    hashes_at = {}
    for expected, link in enumerate(links, start=1):
        recomputed = _sha256(
            _canonical(
                [
                    account, link["seq"], link["kind"], link["platform"], link["platform_id"],
                    link["version_number"], link["payload_sha256"], link["prev_hash"], link["at"],
                ]  # fmt: skip
            )
        )
        if link["seq"] != expected:
            report.fail(f"Hashkedjan för konto {account}: länk {expected} saknas")
            return None
        if link["prev_hash"] != prev:
            report.fail(f"Hashkedjan för konto {account}: länk {link['seq']} följer inte på länken före")
            return None
        if recomputed != link["hash"]:
            report.fail(f"Hashkedjan för konto {account}: länk {link['seq']} har ändrats")
            return None
        hashes_at[link["seq"]] = link["hash"]
        if link["kind"] == "version":
            version_links[(link["platform"], link["platform_id"], link["version_number"])] = link[
                "payload_sha256"
            ]
        prev = link["hash"]
    head = part.get("head") or {}
    if head.get("seq") != len(links) or (links and head.get("hash") != prev):
        report.fail(f"Hashkedjan för konto {account}: huvudet stämmer inte med sista länken")
        return None
    report.ok(f"Hashkedjan för konto {account}: alla {len(links)} länkar räknas om och hänger ihop")
    return hashes_at


# --- RFC 3161 ---------------------------------------------------------------------------------------


def _algorithm(node: Node) -> str:
    return node.children()[0].oid()


def _hash(oid: str):
    if oid not in DIGESTS:
        raise Failure(f"okänd hashalgoritm {oid}")
    return DIGESTS[oid]()


def _digest(oid: str, data: bytes) -> bytes:
    digest = hashes.Hash(_hash(oid))
    digest.update(data)
    return digest.finalize()


def _attributes(node: Node) -> dict[str, list[Node]]:
    found = {}
    for attribute in node.children():
        oid_node, values = attribute.children()
        found[oid_node.oid()] = values.children()
    return found


def _verify_signature(cert: x509.Certificate, signature_oid: str, digest_oid: str, signature, data) -> None:
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey) and signature_oid in RSA_SIGNATURES:
            algorithm = (RSA_SIGNATURES[signature_oid] or DIGESTS.get(digest_oid) or hashes.SHA256)()
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and (
            signature_oid in ECDSA_SIGNATURES or signature_oid == "1.2.840.10045.2.1"
        ):
            algorithm = ECDSA_SIGNATURES.get(signature_oid) or DIGESTS[digest_oid]
            key.verify(signature, data, ec.ECDSA(algorithm()))
        else:
            raise Failure(f"signaturalgoritmen {signature_oid} stöds inte")
    except InvalidSignature:
        raise Failure("signaturen stämmer inte") from None


def _certificate_chain(cert: x509.Certificate, extra: list, anchors: list, at: datetime) -> None:
    """From the TSA certificate to a certificate of the CA file, each valid at the token's time."""
    anchor_der = {anchor.public_bytes(serialization_der()) for anchor in anchors}
    current = cert
    for _depth in range(8):
        if not current.not_valid_before_utc <= at <= current.not_valid_after_utc:
            raise Failure(f"certifikatet {current.subject.rfc4514_string()} gällde inte vid tidsstämpeln")
        if current.public_bytes(serialization_der()) in anchor_der:
            return
        issuers = [c for c in [*anchors, *extra] if c.subject == current.issuer and c is not current]
        for issuer in issuers:
            try:
                current.verify_directly_issued_by(issuer)
            except (ValueError, TypeError, InvalidSignature):
                continue
            try:
                constraints = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
            except x509.ExtensionNotFound:
                constraints = None
            if constraints is None or not constraints.ca:
                raise Failure(f"{issuer.subject.rfc4514_string()} är ingen certifikatutfärdare")
            if issuer.public_bytes(serialization_der()) in anchor_der:
                if not issuer.not_valid_before_utc <= at <= issuer.not_valid_after_utc:
                    raise Failure("CA-certifikatet gällde inte vid tidsstämpeln")
                return
            current = issuer
            break
        else:
            raise Failure("TSA-certifikatet leder inte till något certifikat i CA-filen")
    raise Failure("certifikatkedjan är för lång")


def serialization_der():
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


def verify_token(token: bytes, chain_hash: str, anchors: list) -> datetime:
    """Check one TimeStampResp against the chain hash it is over; returns the token's time."""
    response = der(token).children()
    status = response[0].children()[0].integer()
    if status not in (0, 1):
        raise Failure(f"tidsstämpeltjänsten beviljade inte begäran (status {status})")
    if len(response) < 2:
        raise Failure("svaret har ingen tidsstämpel")
    content_info = response[1].children()
    if content_info[0].oid() != OID_SIGNED_DATA:
        raise Failure("tidsstämpeln är ingen CMS SignedData")
    signed_data = content_info[1].children()[0].children()
    encapsulated = signed_data[2].children()
    if encapsulated[0].oid() != OID_TST_INFO:
        raise Failure("tidsstämpeln innehåller ingen TSTInfo")
    tst_info_der = encapsulated[1].children()[0].content
    tst_info = der(tst_info_der).children()
    imprint = tst_info[2].children()
    imprint_oid = _algorithm(imprint[0])
    if imprint[1].content != _digest(imprint_oid, bytes.fromhex(chain_hash)):
        raise Failure("tidsstämpelns avtryck är inte hashkedjans länk")
    gen_time = generalized_time(tst_info[4])

    certificates = []
    signer_infos = None
    for node in signed_data[3:]:
        if node.tag == 0xA0:
            certificates = [x509.load_der_x509_certificate(c.encoded) for c in node.children() if c.tag == 0x30]
        elif node.tag == 0x31:
            signer_infos = node.children()
    if not signer_infos or len(signer_infos) != 1:
        raise Failure("tidsstämpeln ska ha exakt en undertecknare")
    signer = signer_infos[0].children()
    sid, digest_algorithm = signer[1], _algorithm(signer[2])
    index = 3
    signed_attributes = None
    if signer[index].tag == 0xA0:
        signed_attributes = signer[index]
        index += 1
    signature_oid = _algorithm(signer[index])
    signature = signer[index + 1].content
    if signed_attributes is None:
        raise Failure("tidsstämpeln saknar signerade attribut")
    attributes = _attributes(signed_attributes)
    if attributes.get(OID_CONTENT_TYPE, [None])[0] is None or attributes[OID_CONTENT_TYPE][0].oid() != OID_TST_INFO:
        raise Failure("det signerade innehållet är ingen TSTInfo")
    if OID_MESSAGE_DIGEST not in attributes or attributes[OID_MESSAGE_DIGEST][0].content != _digest(
        digest_algorithm, tst_info_der
    ):
        raise Failure("TSTInfo har ändrats efter att den signerades")

    if sid.tag == 0x30:
        issuer_der, serial = sid.children()[0].encoded, sid.children()[1].integer()
        matches = [c for c in certificates if c.serial_number == serial and c.issuer.public_bytes() == issuer_der]
    else:
        ski = sid.content
        matches = []
        for c in certificates:
            try:
                if c.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest == ski:
                    matches.append(c)
            except x509.ExtensionNotFound:
                pass
    if not matches:
        raise Failure("tidsstämpeln innehåller inte undertecknarens certifikat")
    cert = matches[0]
    cert_der = cert.public_bytes(serialization_der())
    if OID_SIGNING_CERTIFICATE_V2 in attributes:
        cert_id = attributes[OID_SIGNING_CERTIFICATE_V2][0].children()[0].children()[0].children()
        algorithm = _algorithm(cert_id[0]) if cert_id[0].tag == 0x30 else "2.16.840.1.101.3.4.2.1"
        cert_hash = cert_id[1 if cert_id[0].tag == 0x30 else 0].content
        if cert_hash != _digest(algorithm, cert_der):
            raise Failure("det signerade certifikat-id:t är inte undertecknarens certifikat")
    elif OID_SIGNING_CERTIFICATE in attributes:
        cert_id = attributes[OID_SIGNING_CERTIFICATE][0].children()[0].children()[0].children()
        if cert_id[0].content != _digest("1.3.14.3.2.26", cert_der):
            raise Failure("det signerade certifikat-id:t är inte undertecknarens certifikat")
    else:
        raise Failure("tidsstämpeln anger inte undertecknarens certifikat i de signerade attributen")
    signed = b"\x31" + signed_attributes.encoded[1:]  # signed as a SET OF, not as [0] IMPLICIT
    _verify_signature(cert, signature_oid, digest_algorithm, signature, signed)

    try:
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise Failure("TSA-certifikatet saknar extendedKeyUsage") from None
    if not usage.critical or x509.ExtendedKeyUsageOID.TIME_STAMPING not in usage.value:
        raise Failure("TSA-certifikatet är inte ett kritiskt timeStamping-certifikat")
    if not anchors:
        raise Failure("ingen CA-fil angiven (--ca), så tidsstämpelns certifikat kan inte kontrolleras")
    _certificate_chain(cert, certificates, anchors, gen_time)
    return gen_time


def _local(at: datetime) -> str:
    try:
        from zoneinfo import ZoneInfo

        return at.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d %H:%M:%S svensk tid")
    except (ImportError, KeyError, OSError):
        return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def check_timestamps(root: Path, chain: dict | None, anchors: list, report: Report) -> None:
    if chain is None:
        return
    stamps = [dict(stamp, _part=part) for part in chain["chains"] for stamp in part.get("timestamps", [])]
    if not stamps:
        report.note("Paketet har inga tidsstämplar (tidsstämpling var avstängd eller tjänsten svarade inte)")
        return
    good = 0
    for stamp in stamps:
        part = stamp["_part"]
        name = f"Tidsstämpeln över länk {stamp['seq']} i kontot {part['account']}s kedja"
        try:
            link_hash = part["_hashes_at"].get(stamp["seq"])
            if link_hash is None:
                raise Failure("länken finns inte i hashkedjan")
            if link_hash != stamp["hash"]:
                raise Failure("den är gjord över en annan kedja än paketets")
            file = _inside(root, stamp["file"])
            if not file.is_file():
                raise Failure(f"filen {stamp['file']} saknas")
            at = verify_token(file.read_bytes(), link_hash, anchors)
        except (Failure, ValueError, IndexError, KeyError) as error:
            report.fail(f"{name}: {error}")
            continue
        good += 1
        report.ok(f"{name}: signaturen och certifikatet håller, tidpunkt {_local(at)}")
    if good == len(stamps):
        report.ok(f"Tidsstämplar: alla {good} håller")


# --- the command ------------------------------------------------------------------------------------


def _package_root(folder: Path) -> Path:
    if (folder / "METS.xml").is_file():
        return folder
    found = [path.parent for path in folder.glob("*/METS.xml")]
    if len(found) != 1:
        raise Failure("hittar inte paketets METS.xml")
    return found[0]


def _unzip(archive: Path, target: Path) -> Path:
    with zipfile.ZipFile(archive) as package:
        for member in package.infolist():
            name = PurePosixPath(member.filename)
            if name.is_absolute() or ".." in name.parts:
                raise Failure(f"zip-filen har en otillåten sökväg: {member.filename}")
        package.extractall(target)
    return _package_root(target)


def verify(package: Path, ca: Path | None) -> Report:
    report = Report()
    anchors = []
    if ca is not None:
        anchors = x509.load_pem_x509_certificates(ca.read_bytes())
    with tempfile.TemporaryDirectory(prefix="verify-package-") as scratch:
        root = _unzip(package, Path(scratch)) if package.is_file() else _package_root(package)
        report.note(f"Paket: {root.name}")
        check_files(root, report)
        chain = check_chain(root, report)
        check_timestamps(root, chain, anchors, report)
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Kontrollera ett e-arkivpaket från smgov utan smgov.")
    parser.add_argument("package", type=Path, help="paketets mapp eller zip-fil")
    parser.add_argument("--ca", type=Path, help="PEM-fil med tidsstämpeltjänstens CA-certifikat")
    options = parser.parse_args(argv)
    if not options.package.exists():
        print(f"Hittar inte {options.package}", file=sys.stderr)
        return 2
    if options.ca is not None and not options.ca.is_file():
        print(f"Hittar inte CA-filen {options.ca}", file=sys.stderr)
        return 2
    try:
        report = verify(options.package, options.ca)
    except (Failure, zipfile.BadZipFile, ValueError) as error:
        print(f"FEL  Paketet kan inte kontrolleras: {error}")
        return 1
    print("\n".join(report.lines))
    if report.failures:
        print(f"\nResultat: {report.failures} fel. Paketet håller INTE.")
        return 1
    print("\nResultat: paketet håller.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
