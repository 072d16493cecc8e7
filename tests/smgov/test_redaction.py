"""No log record carries a secret: credential-shaped parameters and every value read from the vault."""

import logging

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from accounts import crypto
from accounts import services as account_services
from accounts.models import Credential
from smgov.lib.redaction import REDACTED, redact
from tests.factories import ServiceAccountFactory

TOKEN = "EAAG-known-token-4f2a9c81d7"


def _messages(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records) + "\n" + caplog.text


def test_urllib3_retry_warnings_do_not_carry_the_token_of_the_url(httpserver, caplog):
    httpserver.expect_oneshot_request("/v19.0/me/posts").respond_with_data("Bad Gateway", status=502)
    httpserver.expect_request("/v19.0/me/posts").respond_with_json({"data": []})
    session = requests.Session()
    session.mount(
        "http://", HTTPAdapter(max_retries=Retry(total=2, status_forcelist=(502,), backoff_factor=0))
    )

    with caplog.at_level(logging.DEBUG):
        response = session.get(httpserver.url_for("/v19.0/me/posts"), params={"access_token": TOKEN})

    assert response.status_code == 200
    assert any("Retry" in record.getMessage() for record in caplog.records), "urllib3 logged no retry"
    assert TOKEN not in _messages(caplog)
    assert f"access_token={REDACTED}" in _messages(caplog)


@pytest.mark.django_db
def test_a_value_read_from_the_vault_is_redacted_wherever_it_appears(caplog):
    account = ServiceAccountFactory()
    Credential.objects.create(
        account=account, name="access_token", ciphertext=crypto.encrypt("opaque" + TOKEN)
    )
    secret = account_services.credential_read(account=account, name="access_token", purpose="test")

    logger = logging.getLogger("somewhere.else")
    with caplog.at_level(logging.INFO):
        logger.info("token is %s", secret)
        try:
            raise RuntimeError(f"platform refused {secret}")
        except RuntimeError:
            logger.exception("failed")

    assert secret not in _messages(caplog)
    assert caplog.text.count(REDACTED) >= 2
    assert "RuntimeError: platform refused [redacted]" in caplog.text


@pytest.mark.parametrize(
    "line",
    [
        "GET https://graph.facebook.com/me?fields=id&access_token=abc123def456",
        "GET /youtube/v3/commentThreads?part=snippet&key=AIzaSyabc123def456 HTTP/1.1",
        "headers={'Authorization': 'Bearer abc123def456'}",
        "Authorization: Bearer abc123def456",
    ],
)
def test_credential_shaped_values_are_redacted(line):
    assert "abc123def456" not in redact(line)
    assert REDACTED in redact(line)


def test_ordinary_text_is_left_as_it_is():
    line = "harvest of account 7 stored 12 items from https://mastodon.example/api/v1/statuses?limit=40"
    assert redact(line) == line
