"""Text that PostgreSQL cannot hold, stored reversibly.

PostgreSQL's text and JSON types refuse the NUL character, and UTF-8 cannot encode a lone UTF-16
surrogate, yet platforms deliver both (a hostile comment, a broken client). Such text is stored with
those characters escaped as ``\\u0000``/``\\udXXX`` and every backslash doubled, so ``unescape`` gives
back exactly what was published; the record says that it was escaped, and pages mark it. The API
response it came from is kept as received, byte for byte, beside it.
"""

from __future__ import annotations

import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ESCAPED = re.compile(r"\\\\|\\u([0-9a-f]{4})")
# The search index is derived from the record; PostgreSQL's tsvector holds at most 1 MB.
SEARCHABLE_CHARS = 200_000


def needs_escaping(value: str) -> bool:
    return _UNSTORABLE.search(value) is not None


def escape(value: str) -> str:
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", value.replace("\\", "\\\\"))


def unescape(value: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else "\\", value)


def json_storable(serialised: str) -> bool:
    """Whether a JSON value, serialised with ``ensure_ascii=False``, holds nothing PostgreSQL refuses
    (without walking it): a NUL appears as ``\\u0000``, a lone surrogate as itself. An escaped
    backslash before "u0000" is a false alarm, which only costs the walk."""
    return "\\u0000" not in serialised and not needs_escaping(serialised)


def storable(value: Any) -> tuple[Any, bool]:
    """``value`` (a string, or JSON made of dicts, lists and strings) with every string PostgreSQL
    cannot hold escaped, and whether any was. Strings that can be stored are left exactly as they are."""
    if isinstance(value, str):
        return (escape(value), True) if needs_escaping(value) else (value, False)
    if isinstance(value, dict):
        changed = False
        out = {}
        for key, item in value.items():
            key, key_changed = storable(key)
            out[key], item_changed = storable(item)
            changed |= key_changed or item_changed
        return (out, True) if changed else (value, False)
    if isinstance(value, list | tuple):
        pairs = [storable(item) for item in value]
        if any(changed for _, changed in pairs):
            return [item for item, _ in pairs], True
        return value, False
    return value, False
