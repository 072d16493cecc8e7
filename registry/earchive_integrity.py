"""What lets the receiving archivist verify an e-archive package without smgov: the hash chain of
each account whose records it holds and their RFC 3161 timestamps, as preservation metadata.

    metadata/preservation/hash-chain.json   every link of each account's chain up to its head
                                            ("chains"), and every version of the package's records
                                            with the text and hashes its link was made from
    metadata/preservation/timestamps/account-<a>-link-<n>.tsr
                                            the TSA's TimeStampResp over link n's hash of account a

`scripts/verify_package.py` checks them (standard library and `cryptography` only): each link's
hash, each version file against its link, and each token's imprint, signature and certificate.
"""

import json
import logging
from datetime import UTC

from django.conf import settings
from lxml import etree

from archive.models import ChainEntry, ChainHead, ChainTimestamp
from archive.services import chain_timestamp
from archive.timestamps import TimestampError

logger = logging.getLogger(__name__)

CHAIN_FILE = "metadata/preservation/hash-chain.json"
TIMESTAMPS = "metadata/preservation/timestamps"
TSR_MIMETYPE = "application/timestamp-reply"
FORMAT = "smgov hash chain 2"


def _at(value) -> str:
    # Exactly as archive.integrity.link_hash writes a link's time into its hash.
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def integrity_files(*, package, contents, root, write, rep: str, made_at) -> dict:
    """Timestamp the chain head of every account whose records the package holds (one for an
    account's package, each of the department's for a department's), then write the chains and
    their tokens into the package. Returns {"chain": PackageFile, "tokens": [(stamp, PackageFile)],
    "failure": str}; a TSA that does not answer leaves the package without the newest token and is
    retried by the daily task."""
    if package.account_id:
        account_ids = [package.account_id]
    else:
        account_ids = sorted({record.account_id for record in contents.records})
    failures = []
    chains = []
    tokens = []
    for account_id in account_ids:
        failure = _timestamp_head(account_id)
        if failure:
            failures.append(failure)
        chain, account_tokens = _account_chain(account_id, root=root, write=write)
        chains.append(chain)
        tokens += account_tokens
    versions = []
    for record in contents.records:
        for version in record.versions.all():
            path = f"{rep}/data/records/{record.pk}/version-{version.number}.json"
            versions.append(
                {
                    "record": record.pk,
                    "account": record.account_id,
                    "platform": record.platform,
                    "platform_id": record.platform_id,
                    "number": version.number,
                    "text": version.text,
                    "raw_sha256": version.raw_sha256,
                    "sha256": version.sha256,
                    "file": path if version.raw_canonical else None,
                    "latest": version.number == record.version_count,
                    "purged": record.purged_at is not None,
                }
            )
    document = {
        "format": FORMAT,
        "hash": "sha256(canonical JSON of [account, seq, kind, platform, platform_id, version_number, "
        "payload_sha256, prev_hash, at]); canonical JSON: UTF-8, no spaces, non-ASCII kept",
        "version_hash": "sha256(canonical JSON of [platform, platform_id, number, text, raw_sha256]); "
        "raw_sha256 is the SHA-256 of the version's file",
        "timestamp_imprint": "SHA-256 of the 32 bytes of the link's hash",
        "chains": chains,
        "versions": versions,
    }
    chain = write(
        root,
        CHAIN_FILE,
        json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"),
        mimetype="application/json",
        created=made_at,
    )
    return {"chain": chain, "tokens": tokens, "failure": "; ".join(failures)}


def _timestamp_head(account_id: int) -> str:
    """Have the account's chain head timestamped when a TSA is set; the failure, if any."""
    if not settings.SMGOV_TSA_URL:
        return ""
    try:
        chain_timestamp(account_id=account_id)
    except TimestampError as error:
        logger.warning("earchive_timestamp_failed", extra={"account": account_id, "error": str(error)})
        from archive.tasks import chain_timestamp as chain_timestamp_task

        chain_timestamp_task.apply_async(args=[account_id], countdown=settings.SMGOV_TSA_RETRY_BACKOFF)
        return str(error)
    return ""


def _account_chain(account_id: int, *, root, write) -> tuple[dict, list]:
    """One account's chain up to its head, and its tokens written as files."""
    head = ChainHead.objects.filter(account_id=account_id).first()
    head_seq = head.seq if head else 0
    links = [
        {
            "seq": link.seq,
            "kind": link.kind,
            "platform": link.platform,
            "platform_id": link.platform_id,
            "version_number": link.version_number,
            "payload_sha256": link.payload_sha256,
            "prev_hash": link.prev_hash,
            "hash": link.hash,
            "at": _at(link.at),
        }
        for link in ChainEntry.objects.filter(account_id=account_id, seq__lte=head_seq)
        .order_by("seq")
        .iterator(chunk_size=5000)
    ]
    tokens = []
    stamps = ChainTimestamp.objects.filter(account_id=account_id, seq__lte=head_seq, token__isnull=False)
    for stamp in stamps.order_by("seq"):
        file = write(
            root,
            f"{TIMESTAMPS}/account-{account_id}-link-{stamp.seq}.tsr",
            bytes(stamp.token),
            mimetype=TSR_MIMETYPE,
            created=stamp.gen_time,
        )
        tokens.append((stamp, file))
    chain = {
        "account": account_id,
        "head": {"seq": head_seq, "hash": head.hash if head else None},
        "links": links,
        "timestamps": [
            {
                "seq": stamp.seq,
                "hash": stamp.chain_hash,
                "file": file.path,
                "gen_time": _at(stamp.gen_time),
                "tsa": stamp.tsa_url,
            }
            for stamp, file in tokens
        ],
    }
    return chain, tokens


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def premis_integrity(premis, integrity: dict, *, premis_ns: str, xsi_ns: str, iso) -> None:
    """Add the chain and token files as PREMIS objects, and an event per timestamp (and a failed
    one when the TSA did not answer), in the order PREMIS wants (objects, events, agents)."""
    first_event = premis.find(_q(premis_ns, "event"))
    first_agent = premis.find(_q(premis_ns, "agent"))

    def element(name, text=None, parent=None):
        node = (
            etree.SubElement(parent, _q(premis_ns, name))
            if parent is not None
            else etree.Element(_q(premis_ns, name))
        )
        if text is not None:
            node.text = text
        return node

    def identifier(parent, kind, kind_type, value):
        node = element(f"{kind}Identifier", parent=parent)
        element(f"{kind}IdentifierType", kind_type, node)
        element(f"{kind}IdentifierValue", value, node)

    def file_object(file, format_name):
        obj = element("object")
        obj.set(_q(xsi_ns, "type"), "premis:file")
        identifier(obj, "object", "filepath", file.path)
        characteristics = element("objectCharacteristics", parent=obj)
        element("compositionLevel", "0", characteristics)
        fixity = element("fixity", parent=characteristics)
        element("messageDigestAlgorithm", "SHA-256", fixity)
        element("messageDigest", file.sha256, fixity)
        element("messageDigestOriginator", "smgov", fixity)
        element("size", str(file.size), characteristics)
        designation = element("formatDesignation", parent=element("format", parent=characteristics))
        element("formatName", format_name, designation)
        return obj

    objects = [file_object(integrity["chain"], "application/json")]
    objects += [file_object(file, TSR_MIMETYPE) for _stamp, file in integrity["tokens"]]
    for obj in objects:
        (first_event if first_event is not None else first_agent).addprevious(obj)

    def event(event_id, event_type, at, detail, outcome, linked):
        node = element("event")
        identifier(node, "event", "local", event_id)
        element("eventType", event_type, node)
        element("eventDateTime", iso(at), node)
        element("eventDetail", detail, element("eventDetailInformation", parent=node))
        element("eventOutcome", outcome, element("eventOutcomeInformation", parent=node))
        identifier(node, "linkingAgent", "local", "agent-smgov")
        for path in linked:
            identifier(node, "linkingObject", "filepath", path)
        first_agent.addprevious(node)

    chain_path = integrity["chain"].path
    for stamp, file in integrity["tokens"]:
        event(
            f"event-timestamp-{stamp.account_id}-{stamp.seq}",
            "digital signature generation",
            stamp.gen_time,
            f"RFC 3161 time-stamp token from {stamp.tsa_url} (serial {stamp.serial_number}) over link "
            f"{stamp.seq} of the account's hash chain, hash {stamp.chain_hash}: the chain up to that link "
            f"existed at this time. The imprint is the SHA-256 of the link hash's 32 bytes.",
            "success",
            [file.path, chain_path],
        )
    if integrity["failure"]:
        from django.utils import timezone

        event(
            "event-timestamp-failed",
            "digital signature generation",
            timezone.now(),
            f"The time-stamp authority did not timestamp the chain's head for this package: "
            f"{integrity['failure']}",
            "failure",
            [chain_path],
        )


def mets_integrity(amd, integrity: dict, *, md_ref, sub, mets_ns: str) -> list[str]:
    """The chain and the tokens as digital provenance metadata of the package; returns their ids."""
    ids = []
    entries = [("digiprov-hash-chain", integrity["chain"], "SMGOV HASH CHAIN")]
    entries += [
        (f"digiprov-timestamp-{stamp.account_id}-{stamp.seq}", file, "RFC 3161 TIMESTAMP")
        for stamp, file in integrity["tokens"]
    ]
    for md_id, file, other_type in entries:
        digiprov = sub(amd, mets_ns, "digiprovMD", ID=md_id, STATUS="CURRENT")
        ref = md_ref(digiprov, file, "OTHER")
        ref.set("OTHERMDTYPE", other_type)
        ids.append(md_id)
    return ids
