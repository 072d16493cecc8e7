"""Integrity: hashes, the per-account hash chain, verify_archive and immutability in the database."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, InternalError, connection, connections, transaction

from archive.integrity import GENESIS, archive_write, chain_append, verify_archive
from archive.models import ChainEntry, ChainHead, Record, RecordVersion
from archive.services import record_dispose, record_purge, record_remove
from tests.archive.helpers import ingest

GUARD_ERRORS = (IntegrityError, InternalError)


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_every_version_removal_and_purge_is_a_link_in_the_accounts_chain(org):
    record = ingest(org.account, "Snöröjningen börjar i natt.")
    from archive.services import IncomingItem, record_ingest

    record_ingest(
        account=org.account,
        item=IncomingItem(
            platform_id=record.platform_id, kind="post", published_at=record.published_at, text="Ändrad text."
        ),
    )
    record_remove(actor=org.alice, record=record, ground="other", reason="Fel")
    entries = list(ChainEntry.objects.filter(account=org.account).order_by("seq"))
    assert [(e.seq, e.kind, e.version_number) for e in entries] == [
        (1, "version", 1),
        (2, "version", 2),
        (3, "removal", None),
    ]
    assert entries[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False))
    head = ChainHead.objects.get(account=org.account)
    assert (head.seq, head.hash) == (3, entries[-1].hash)
    assert entries[1].payload_sha256 == record.versions.get(number=2).sha256
    assert verify_archive().ok


def test_chain_does_not_fork_under_concurrent_writers(org, transactional_db):
    errors = []

    def write(n):
        try:
            for i in range(5):
                with transaction.atomic():
                    chain_append(
                        account_id=org.account.pk,
                        kind="version",
                        platform="mastodon",
                        platform_id=f"t{n}-{i}",
                        payload_sha256="a" * 64,
                        version_number=1,
                    )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(ChainEntry.objects.filter(account=org.account).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 31))
    report = verify_archive()
    # The links are sound; the versions they name do not exist, which is not what this test is about.
    assert report.links == 30


def test_a_raw_sql_update_of_a_records_text_is_refused_by_the_database(org):
    record = ingest(org.account, "Ursprunglig text.")
    with pytest.raises(GUARD_ERRORS, match="changes only by a new version"):
        _raw("UPDATE archive_record SET text = 'Förfalskad' WHERE id = %s", [record.pk])
    with pytest.raises(GUARD_ERRORS, match="cannot be changed"):
        _raw("UPDATE archive_recordversion SET text = 'Förfalskad' WHERE record_id = %s", [record.pk])
    with pytest.raises(GUARD_ERRORS, match="only be deleted by disposal"):
        _raw("DELETE FROM archive_recordversion WHERE record_id = %s", [record.pk])
    with pytest.raises(GUARD_ERRORS, match="only be deleted by disposal"):
        _raw("DELETE FROM archive_record WHERE id = %s", [record.pk])
    with pytest.raises(GUARD_ERRORS, match="append-only"):
        _raw("UPDATE archive_chainentry SET kind = 'purge'")
    with pytest.raises(GUARD_ERRORS, match="append-only"):
        _raw("DELETE FROM archive_chainentry")
    record.refresh_from_db()
    assert record.text == "Ursprunglig text."
    # What is not content may change: the time it was last seen, the legal hold.
    _raw("UPDATE archive_record SET legal_hold = true, last_seen_at = now() WHERE id = %s", [record.pk])


def test_the_write_permission_is_local_and_reset(org):
    record = ingest(org.account, "Text.")
    with transaction.atomic():
        with archive_write("version"):
            Record.objects.filter(pk=record.pk).update(text="Ny version via tjänsten")
        with pytest.raises(GUARD_ERRORS), transaction.atomic():
            Record.objects.filter(pk=record.pk).update(text="Efteråt")


def test_purge_and_disposal_are_the_only_paths_that_erase(org):
    record = ingest(org.account, "Olagligt material.")
    record_purge(actor=org.alice, record=record, ground="csam")
    assert RecordVersion.objects.get(record=record).text == ""
    kept = ingest(org.account, "Gammalt inlägg.")
    record_dispose(actor=org.registrar, record=kept, note="Gallrad enligt plan")
    assert not Record.objects.filter(pk=kept.pk).exists()
    assert not RecordVersion.objects.filter(record_id=kept.pk).exists()
    kinds = list(ChainEntry.objects.filter(account=org.account).values_list("kind", flat=True))
    assert kinds == ["version", "removal", "purge", "version", "disposal"]
    assert verify_archive().ok


def test_verify_archive_passes_on_an_intact_archive(org, capsys):
    ingest(org.account, "Ett.")
    ingest(org.other_account, "Två.")
    call_command("verify_archive")
    assert "verifies" in capsys.readouterr().out


def _tamper(sql, params):
    """Change stored data behind the services' back, as someone with superuser access could:
    with the guarding triggers switched off for this transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_verify_archive_names_the_first_record_with_a_tampered_version(org):
    ingest(org.account, "Först.")
    tampered = ingest(org.account, "Kommunen ber om ursäkt.", platform_id="tamper-me")
    ingest(org.account, "Sist.")
    _tamper(
        "UPDATE archive_recordversion SET text = 'Kommunen ber inte om ursäkt.' WHERE record_id = %s",
        [tampered.pk],
    )
    report = verify_archive()
    assert not report.ok
    assert report.mismatch.record_id == tampered.pk
    assert report.mismatch.platform_id == "tamper-me"
    with pytest.raises(CommandError, match=rf"record {tampered.pk} .*tamper-me"):
        call_command("verify_archive")


def test_verify_archive_detects_a_rewritten_version_hash_through_the_chain(org):
    record = ingest(org.account, "Original.", platform_id="rehashed")
    from archive.hashing import version_hash

    forged = version_hash(
        platform=record.platform,
        platform_id=record.platform_id,
        number=1,
        text="Forged.",
        raw_sha256=record.raw_sha256,
    )
    _tamper(
        "UPDATE archive_recordversion SET text = 'Forged.', sha256 = %s WHERE record_id = %s",
        [forged, record.pk],
    )
    _tamper("UPDATE archive_record SET content_sha256 = %s WHERE id = %s", [forged, record.pk])
    report = verify_archive()
    assert not report.ok and report.mismatch.record_id == record.pk
    assert "hash chain" in report.mismatch.detail


def test_verify_archive_detects_an_altered_or_removed_chain_link(org):
    ingest(org.account, "Ett.")
    second = ingest(org.account, "Två.", platform_id="second")
    _tamper("UPDATE archive_chainentry SET payload_sha256 = %s WHERE platform_id = 'second'", ["b" * 64])
    report = verify_archive()
    assert report.mismatch.what == "chain" and report.mismatch.record_id == second.pk
    _tamper("DELETE FROM archive_chainentry WHERE platform_id = 'second'", [])
    assert not verify_archive().ok
