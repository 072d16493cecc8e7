"""The hashes that prove what the archive received and kept."""

import hashlib
import json


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def canonical_json(raw) -> str:
    """One exact serialisation of a JSON value, so its hash can be recomputed later."""
    return json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def version_hash(*, platform: str, platform_id: str, number: int, text: str, raw_sha256: str) -> str:
    return sha256_hex(canonical_json([platform, platform_id, number, text, raw_sha256]))
