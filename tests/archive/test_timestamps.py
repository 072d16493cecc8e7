"""RFC 3161 timestamps of each account's hash chain, from a real TSA: `openssl ts -reply` on loopback
with its own test CA (tests/tsa.py)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from rfc3161_client import decode_timestamp_response

from archive import services
from archive.integrity import link_hash, verify_archive
from archive.models import ChainEntry, ChainHead, ChainTimestamp
from archive.tasks import chain_timestamp as chain_timestamp_task
from archive.tasks import chain_timestamps_daily
from archive.timestamps import TimestampInvalid, TimestampUnavailable, chain_imprint, token_verify
from smgov.schedules import BEAT_SCHEDULE
from tests.archive.helpers import ingest


def _tamper(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_the_chain_head_is_timestamped_by_the_tsa_and_the_token_verifies(org, tsa):
    ingest(org.account, "Ett.")
    ingest(org.account, "Två.")
    head = ChainHead.objects.get(account=org.account)

    stamp = services.chain_timestamp(account_id=org.account.pk)

    assert (stamp.seq, stamp.chain_hash) == (head.seq, head.hash)
    assert len(tsa.requests) == 1
    response = decode_timestamp_response(bytes(stamp.token))
    assert response.tst_info.message_imprint.message == chain_imprint(head.hash)
    assert stamp.gen_time == response.tst_info.gen_time
    assert token_verify(token=bytes(stamp.token), chain_hash=head.hash).imprint == chain_imprint(head.hash)
    # The head already has its token: asking again does not bother the TSA.
    assert services.chain_timestamp(account_id=org.account.pk).pk == stamp.pk
    assert len(tsa.requests) == 1
    report = verify_archive()
    assert report.ok and report.timestamps == 1


def test_a_token_does_not_verify_against_another_ca_or_another_chain_head(org, tsa, test_pki):
    from cryptography import x509

    ingest(org.account, "Ett.")
    stamp = services.chain_timestamp(account_id=org.account.pk)
    other = x509.load_pem_x509_certificates(test_pki.other_ca_cert.read_bytes())
    with pytest.raises(TimestampInvalid):
        token_verify(token=bytes(stamp.token), chain_hash=stamp.chain_hash, roots=other)
    with pytest.raises(TimestampInvalid):
        token_verify(token=bytes(stamp.token), chain_hash="a" * 64)


def test_verify_archive_catches_a_tampered_token(org, tsa):
    ingest(org.account, "Ett.")
    stamp = services.chain_timestamp(account_id=org.account.pk)
    token = bytearray(stamp.token)
    token[-20] ^= 0x01  # a byte of the signature
    _tamper("UPDATE archive_chaintimestamp SET token = %s WHERE id = %s", [bytes(token), stamp.pk])
    report = verify_archive()
    assert report.mismatch.what == "timestamp" and "does not verify" in report.mismatch.detail
    with pytest.raises(CommandError, match="timestamp"):
        call_command("verify_archive")


def test_verify_archive_catches_a_chain_rewritten_under_its_timestamp(org, tsa):
    """Someone who rewrites a link and the head after it makes a chain that is consistent again, but
    not the one the TSA signed."""
    ingest(org.account, "Ett.", platform_id="first")
    stamp = services.chain_timestamp(account_id=org.account.pk)
    link = ChainEntry.objects.get(account=org.account, seq=1)
    forged = link_hash(
        account_id=link.account_id,
        seq=1,
        kind=link.kind,
        platform=link.platform,
        platform_id=link.platform_id,
        version_number=link.version_number,
        payload_sha256="c" * 64,
        prev_hash=link.prev_hash,
        at=link.at,
    )
    _tamper("UPDATE archive_chainentry SET payload_sha256 = %s, hash = %s WHERE id = %s", ["c" * 64, forged, link.pk])
    _tamper("UPDATE archive_chainhead SET hash = %s WHERE account_id = %s", [forged, org.account.pk])
    report = verify_archive()
    assert report.mismatch.what == "timestamp"
    assert "another chain" in report.mismatch.detail
    # Rewriting the stored token's claim as well does not help: the TSA signed the old hash.
    _tamper("UPDATE archive_chaintimestamp SET chain_hash = %s WHERE id = %s", [forged, stamp.pk])
    report = verify_archive()
    assert report.mismatch.what == "timestamp"
    assert "does not verify" in report.mismatch.detail


def test_a_tsa_that_is_down_is_recorded_and_asked_again_with_backoff(org, tsa):
    ingest(org.account, "Ett.")
    tsa.down = True
    with pytest.raises(TimestampUnavailable):
        services.chain_timestamp(account_id=org.account.pk)
    stamp = ChainTimestamp.objects.get(account=org.account)
    assert stamp.token is None and stamp.attempts == 1
    assert "HTTP" in stamp.error and "503" in stamp.error
    # The task retries on its own, with a growing wait.
    assert TimestampUnavailable in chain_timestamp_task.autoretry_for
    assert chain_timestamp_task.retry_backoff and chain_timestamp_task.max_retries >= 3
    result = chain_timestamp_task.apply(args=[org.account.pk])
    assert isinstance(result.result, TimestampUnavailable)
    stamp.refresh_from_db()
    assert stamp.attempts == 2 + chain_timestamp_task.max_retries
    # Back up: the next try stores the token and the failure is gone.
    tsa.down = False
    assert chain_timestamp_task.apply(args=[org.account.pk]).result == stamp.seq
    stamp.refresh_from_db()
    assert stamp.token and stamp.error == ""


def test_every_day_each_chain_head_without_a_token_is_timestamped(org, tsa, django_capture_on_commit_callbacks):
    entry = BEAT_SCHEDULE["archive-chain-timestamps-daily"]
    assert entry["task"] == chain_timestamps_daily.name
    ingest(org.account, "Ett.")
    ingest(org.other_account, "Två.")
    services.chain_timestamp(account_id=org.account.pk)
    assert services.chain_timestamps_queue() == [org.other_account.pk]
    ingest(org.account, "Tre.")
    assert sorted(services.chain_timestamps_queue()) == sorted([org.account.pk, org.other_account.pk])


def test_timestamping_is_off_without_a_tsa(org, settings):
    settings.SMGOV_TSA_URL = ""
    ingest(org.account, "Ett.")
    assert services.chain_timestamp(account_id=org.account.pk) is None
    assert services.chain_timestamps_queue() == []
    assert not ChainTimestamp.objects.exists()


def test_a_failing_tsa_is_shown_in_swedish_to_the_registrar_and_the_information_unit(org, tsa, client):
    ingest(org.account, "Ett.")
    tsa.down = True
    with pytest.raises(TimestampUnavailable):
        services.chain_timestamp(account_id=org.account.pk)

    client.force_login(org.registrar)
    page = client.get("/arkiv/diarium/e-arkiv/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tidsstämpeltjänsten svarar inte" in text
    assert "svarade med HTTP-status 503" in text

    client.force_login(org.info)
    page = client.get("/problem/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Hashkedjor som tidsstämpeltjänsten inte har tidsstämplat" in text
    assert str(org.account) in text

    tsa.down = False
    services.chain_timestamp(account_id=org.account.pk)
    assert "Hashkedjor som tidsstämpeltjänsten" not in client.get("/problem/").content.decode()
    client.force_login(org.registrar)
    assert "De nyaste posterna är täckta" in client.get("/arkiv/diarium/e-arkiv/").content.decode()
