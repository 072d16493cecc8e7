"""Structured logs: JSON lines in production with the request id or the Celery task id, readable
lines in development, and never a secret from the vault, not even in a structlog key-value pair."""

import io
import json
import logging
import logging.config

import pytest
import structlog
from django.urls import reverse

from accounts import services as account_services
from smgov.celery import app
from smgov.lib import logging as smgov_logging

SECRET = "EAAG-vault-secret-9c81d7f2a4"


@pytest.fixture
def json_log():
    """The production formatter on a handler of the root logger, read back as JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        logging.config.dictConfigClass({"version": 1}).configure_custom(
            dict(smgov_logging.formatter(json=True))
        )
    )
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_vault_secret_never_appears_in_a_json_log_line(org, json_log):
    account_services.credential_set(actor=org.info, account=org.account, name="access_token", secret=SECRET)
    assert account_services.credential_read(org.account, "access_token", "harvest") == SECRET
    logging.getLogger("smgov.test").warning("the platform refused token %s", SECRET)
    structlog.get_logger("smgov.test").warning("connect failed", token=SECRET, detail={"sent": SECRET})
    try:
        raise RuntimeError(f"bad token {SECRET}")
    except RuntimeError:
        logging.getLogger("smgov.test").exception("harvest failed")
    lines = json_log()
    assert len(lines) >= 3
    assert all(SECRET not in json.dumps(line) for line in lines)
    assert {"event": "connect failed", "token": "[redacted]"}.items() <= lines[-2].items()


def test_log_lines_of_a_request_carry_its_request_id(org, client, json_log):
    client.force_login(org.alice)
    response = client.get(reverse("registry:diary"), headers={"X-Request-ID": "proxy-abc-123456"})
    assert response.status_code == 403 and response["X-Request-ID"] == "proxy-abc-123456"
    forbidden = [line for line in json_log() if line["logger"] == "django.request"]
    assert forbidden and forbidden[0]["request_id"] == "proxy-abc-123456"
    # An id that does not look like one is replaced by a fresh one.
    other = client.get(reverse("registry:diary"), headers={"X-Request-ID": "bad id\nwith newline"})
    assert len(other["X-Request-ID"]) == 32 and "\n" not in other["X-Request-ID"]


@app.task(name="tests.log_something")
def log_something():
    structlog.get_logger("smgov.test").info("task work")


def test_log_lines_of_a_celery_task_carry_its_task_id(json_log):
    result = log_something.apply()
    line = next(line for line in json_log() if line["event"] == "task work")
    assert line["task_id"] == result.id and line["task_name"] == "tests.log_something"


def test_development_logs_are_readable_lines():
    record = logging.LogRecord("smgov.test", logging.INFO, __file__, 1, "harvest done", None, None)
    formatter = logging.config.dictConfigClass({"version": 1}).configure_custom(
        dict(smgov_logging.formatter(json=False))
    )
    line = formatter.format(record)
    assert "harvest done" in line and not line.startswith("{")


def test_sentry_is_only_initialised_when_a_dsn_is_set(settings):
    import sentry_sdk

    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()
