"""Secrets never reach a log: every log record is redacted the moment it is made.

Three kinds of secret are taken out of a record's message and of its exception text:
- the value of any credential-shaped query parameter or header (``access_token=…``, ``key=…``,
  ``Authorization: Bearer …``), whoever wrote the line (urllib3's retry warnings print whole URLs);
- smgov's own API tokens (``smgov_…``), wherever they appear;
- every value the credential vault has handed out in this process (``remember_secret``), wherever it
  appears.

The redaction sits in the log record factory rather than in a handler, so it holds for every logger
and every handler, also those that Celery or a library set up after Django configured logging.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback

REDACTED = "[redacted]"
# Query parameters and form fields that carry secrets on the platforms smgov talks to.
SECRET_PARAMS = (
    "access_token",
    "refresh_token",
    "oauth_token",
    "id_token",
    "token",
    "key",
    "api_key",
    "apikey",
    "client_secret",
    "app_secret",
    "appsecret_proof",
    "password",
    "secret",
    "signature",
    "code",
)
_PARAM = re.compile(
    r"(?i)(?P<name>(?<![\w-])(?:" + "|".join(SECRET_PARAMS) + r"))(?P<sep>=|%3D)(?P<value>[^&\s'\"#;,)]+)"
)
_HEADER = re.compile(
    r"(?i)(?P<name>authorization|x-api-key)(?P<sep>['\"]?\s*[:=]\s*['\"]?)(?P<scheme>bearer\s+|basic\s+)?(?P<value>[^\s'\",}]+)"
)
# smgov's own API tokens carry a prefix of their own, so one is recognised wherever it is written.
_API_TOKEN = re.compile(r"smgov_[A-Za-z0-9_-]{20,}")
# Short values would redact ordinary words; vault secrets are long.
MIN_SECRET_LENGTH = 8

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def remember_secret(value: str) -> None:
    """Redact ``value`` from every log record made in this process from now on."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every secret in it replaced by ``[redacted]``."""
    if not text:
        return text
    text = _PARAM.sub(lambda m: f"{m['name']}{m['sep']}{REDACTED}", text)
    text = _HEADER.sub(lambda m: f"{m['name']}{m['sep']}{m['scheme'] or ''}{REDACTED}", text)
    text = _API_TOKEN.sub(REDACTED, text)
    # Longest first, so a secret containing another is replaced whole.
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Replace a record's message (and exception text) by its redacted form, in place. A structlog
    event (a dict, rendered later by its formatter) keeps its shape with its strings redacted."""
    if isinstance(record.msg, dict):
        record.msg = {
            key: redact(value) if isinstance(value, str) else value for key, value in record.msg.items()
        }
        return _redact_extras(record)
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string is logged as it is, never raised
        message = str(record.msg)
    clean = redact(message)
    if clean != message or record.args:
        record.msg, record.args = clean, None
    return _redact_extras(record)


def _redact_extras(record: logging.LogRecord) -> logging.LogRecord:
    if record.exc_info and record.exc_info[0] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = redact(text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install() -> None:
    """Make every log record in this process go through ``redact_record``. Safe to call twice."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    make_record = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        return redact_record(make_record(*args, **kwargs))

    logging.setLogRecordFactory(factory)
