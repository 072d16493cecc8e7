"""An e-archive package carries the account's hash chain and its RFC 3161 timestamps (from a real
local TSA), still validates, and can be verified without smgov by scripts/verify_package.py."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from archive.models import ChainHead, ChainTimestamp
from archive.timestamps import token_verify
from registry.earchive import earchive_package_build, earchive_package_create
from registry.models import EarchivePackage

from .test_earchive import PREMIS, _build, eark_validator, premis_schema, year_2025  # noqa: F401
from .test_earchive_scopes import department_2025  # noqa: F401

VERIFIER = Path(__file__).resolve().parents[2] / "scripts" / "verify_package.py"
METS = "{http://www.loc.gov/METS/}"
XLINK = "{http://www.w3.org/1999/xlink}"


def run_verifier(package: Path, ca: Path | None):
    """The verifier as an archivist runs it: its own process, no Django settings, no database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "DATABASE"))}
    command = [sys.executable, str(VERIFIER), str(package)] + (["--ca", str(ca)] if ca else [])
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd="/", timeout=120)


def reseal(root: Path) -> None:
    """Write every METS checksum anew, as someone who changed a file and wants it to pass unseen."""
    for mets in (root / "representations" / "rep1" / "METS.xml", root / "METS.xml"):
        tree = etree.parse(str(mets))
        for element in tree.iter(f"{METS}file", f"{METS}mdRef"):
            location = element.find(f"{METS}FLocat")
            href = (location if location is not None else element).get(f"{XLINK}href")
            data = (mets.parent / href).read_bytes()
            element.set("CHECKSUM", hashlib.sha256(data).hexdigest())
            element.set("SIZE", str(len(data)))
        tree.write(str(mets), xml_declaration=True, encoding="UTF-8")


def test_package_holds_the_chain_and_its_timestamp_and_still_validates(
    org, year_2025, tmp_path, tsa, eark_validator, premis_schema  # noqa: F811
):
    package, root = _build(org, tmp_path)
    assert package.status == EarchivePackage.Status.DONE
    assert eark_validator(root) == []
    head = ChainHead.objects.get(account=org.account)
    stamp = ChainTimestamp.objects.get(account=org.account, seq=head.seq)  # the export timestamped the head
    token = root / f"metadata/preservation/timestamps/account-{org.account.pk}-link-{head.seq}.tsr"
    assert token.read_bytes() == bytes(stamp.token)
    token_verify(token=token.read_bytes(), chain_hash=head.hash)
    # The token and the chain are in the METS (digital provenance) and in PREMIS.
    mets = etree.parse(str(root / "METS.xml"))
    refs = {ref.get(f"{XLINK}href"): ref for ref in mets.iter(f"{METS}mdRef")}
    ref = refs[f"metadata/preservation/timestamps/account-{org.account.pk}-link-{head.seq}.tsr"]
    assert ref.get("OTHERMDTYPE") == "RFC 3161 TIMESTAMP"
    assert ref.get("CHECKSUM") == hashlib.sha256(
        bytes(stamp.token)
    ).hexdigest()
    assert "metadata/preservation/hash-chain.json" in refs
    premis = etree.parse(str(root / "metadata/preservation/premis.xml"))
    premis_schema.assertValid(premis)
    details = [e.findtext(f"{PREMIS}eventDetailInformation/{PREMIS}eventDetail") for e in premis.iter(f"{PREMIS}event")]
    assert any("RFC 3161 time-stamp token" in d and head.hash in d for d in details)


def test_the_standalone_verifier_accepts_the_package_and_its_zip(org, year_2025, tmp_path, tsa, test_pki):  # noqa: F811
    package, root = _build(org, tmp_path)
    for delivered in (root, Path(package.file.path)):
        result = run_verifier(delivered, test_pki.ca_cert)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Resultat: paketet håller." in result.stdout
        assert "Kontrollsummor: alla" in result.stdout and "Hashkedjan för konto" in result.stdout
        assert "Tidsstämplar: alla 1 håller" in result.stdout
    # Without the TSA's CA, the timestamp's trust cannot be established: that is a failure.
    assert run_verifier(root, None).returncode == 1
    # Nor with somebody else's CA.
    result = run_verifier(root, test_pki.other_ca_cert)
    assert result.returncode == 1 and "CA-filen" in result.stdout


@pytest.fixture
def delivered(org, year_2025, tmp_path, tsa):  # noqa: F811
    package, root = _build(org, tmp_path / "built")
    copy = tmp_path / "copy" / root.name
    shutil.copytree(root, copy)
    return copy


def test_verifier_catches_a_file_changed_after_delivery(delivered, test_pki):
    catalogue = delivered / "representations/rep1/data/records.json"
    catalogue.write_bytes(catalogue.read_bytes().replace("Vägen".encode(), b"Gatan", 1))
    result = run_verifier(delivered, test_pki.ca_cert)
    assert result.returncode == 1
    assert "records.json stämmer inte med sin SHA-256 i METS" in result.stdout


def test_verifier_catches_a_record_changed_and_resealed_through_the_chain(delivered, test_pki, year_2025):  # noqa: F811
    post, edited, removed, source = year_2025
    version = delivered / f"representations/rep1/data/records/{edited.pk}/version-2.json"
    version.write_bytes(version.read_bytes().replace(b"igen", b"aldrig"))
    reseal(delivered)
    result = run_verifier(delivered, test_pki.ca_cert)
    assert result.returncode == 1
    assert "Kontrollsummor: alla" in result.stdout  # the checksums were made to match...
    assert f"{edited.platform_id} version 2: filen" in result.stdout  # ...the chain does not
    assert "är inte den som togs emot" in result.stdout


def test_verifier_catches_a_rewritten_chain_and_a_tampered_token(delivered, test_pki):
    token = next((delivered / "metadata/preservation/timestamps").glob("*.tsr"))
    data = bytearray(token.read_bytes())
    data[-30] ^= 0x01  # inside the signature
    token.write_bytes(bytes(data))
    reseal(delivered)
    result = run_verifier(delivered, test_pki.ca_cert)
    assert result.returncode == 1
    assert "Tidsstämpeln över länk" in result.stdout and "signaturen stämmer inte" in result.stdout


def test_an_export_while_the_tsa_is_down_is_made_and_says_so(org, year_2025, tmp_path, tsa, premis_schema):  # noqa: F811
    tsa.down = True
    package, root = _build(org, tmp_path)
    assert package.status == EarchivePackage.Status.DONE
    assert not list((root / "metadata/preservation").glob("timestamps/*.tsr"))
    premis = etree.parse(str(root / "metadata/preservation/premis.xml"))
    premis_schema.assertValid(premis)
    failed = [
        e for e in premis.iter(f"{PREMIS}event")
        if e.findtext(f"{PREMIS}eventOutcomeInformation/{PREMIS}eventOutcome") == "failure"
        and "time-stamp authority" in e.findtext(f"{PREMIS}eventDetailInformation/{PREMIS}eventDetail")
    ]  # fmt: skip
    assert failed
    assert ChainTimestamp.objects.get(account=org.account).error  # shown as the integrity status


def test_verifier_catches_records_left_out_of_the_catalogue_and_resealed(delivered, test_pki):
    (delivered / "representations/rep1/data/records.json").write_text("[]")
    reseal(delivered)
    result = run_verifier(delivered, test_pki.ca_cert)
    assert result.returncode == 1
    assert "poster i hashkedjan saknas i representations/rep1/data/records.json" in result.stdout


def test_a_departments_package_carries_the_chain_of_each_account_and_verifies(
    org, department_2025, tmp_path, tsa, test_pki  # noqa: F811
):
    package = earchive_package_create(actor=None, department=org.own, year=2025)
    package = earchive_package_build(package_id=package.pk, out_dir=tmp_path)
    root = tmp_path / package.objid
    result = run_verifier(root, test_pki.ca_cert)
    assert result.returncode == 0, result.stdout + result.stderr
    for account in (org.account, department_2025["second"]):
        assert f"Hashkedjan för konto {account.pk}: alla" in result.stdout
        assert list((root / "metadata/preservation/timestamps").glob(f"account-{account.pk}-link-*.tsr"))
    assert "Tidsstämplar: alla 2 håller" in result.stdout
    # The second account's post changed after the fact, with the checksums forged anew, is caught.
    post = department_2025["posts"][1]
    version = root / f"representations/rep1/data/records/{post.pk}/version-1.json"
    version.write_bytes(version.read_bytes().replace(b"}", b', "text": "Skolans nya g\\u00e5rd"}', 1))
    reseal(root)
    tampered = run_verifier(root, test_pki.ca_cert)
    assert tampered.returncode == 1 and "är inte den som togs emot" in tampered.stdout
