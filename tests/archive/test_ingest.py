"""Records come into the archive through one idempotent upsert (N20)."""

from datetime import UTC, datetime

from django.contrib.postgres.search import SearchQuery

from archive.models import Record, RecordKind
from archive.search import SEARCH_CONFIG
from archive.services import IncomingItem, canonical_json, record_ingest, sha256_hex

PUBLISHED = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)


def post(**overrides):
    values = dict(
        platform_id="p1",
        kind=RecordKind.POST,
        is_own=True,
        published_at=PUBLISHED,
        text="Snöröjningen börjar i natt på alla gator.",
        author_name="Exempelby kommun",
        raw={"id": "p1", "content": "Snöröjningen börjar i natt på alla gator.", "b": [1, 2]},
    )
    values.update(overrides)
    return IncomingItem(**values)


def comment(**overrides):
    values = dict(
        platform_id="c1",
        kind=RecordKind.COMMENT,
        parent_platform_id="p1",
        thread_platform_id="p1",
        published_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        text="När plogas skolans parkering?",
        author_name="Eva Invånare",
        raw={"id": "c1"},
    )
    values.update(overrides)
    return IncomingItem(**values)


def test_n20_post_is_a_record_drawn_up_when_published(org):
    result = record_ingest(account=org.account, item=post())
    record = result.record
    assert result.created
    assert record.published_at == PUBLISHED
    assert record.is_own and record.thread == record
    assert record.department == org.own
    assert record.raw_sha256 == sha256_hex(canonical_json(post().raw))
    assert record.versions.get().text == post().text


def test_n20_same_item_again_changes_nothing_but_last_seen(org):
    record_ingest(account=org.account, item=post())
    again = record_ingest(account=org.account, item=post())
    assert not again.created and not again.changed
    assert Record.objects.count() == 1
    assert again.record.versions.count() == 1


def test_n20_changed_text_becomes_a_new_version(org):
    record_ingest(account=org.account, item=post())
    result = record_ingest(account=org.account, item=post(text="Snöröjningen börjar i morgon."))
    assert result.changed
    texts = list(result.record.versions.values_list("number", "text"))
    assert texts == [(1, "Snöröjningen börjar i natt på alla gator."), (2, "Snöröjningen börjar i morgon.")]
    assert result.record.version_count == 2


def test_comment_arriving_before_its_post_is_linked_when_the_post_comes(org):
    orphan = record_ingest(account=org.account, item=comment()).record
    assert orphan.parent is None
    parent = record_ingest(account=org.account, item=post()).record
    orphan.refresh_from_db()
    assert orphan.parent == parent and orphan.thread == parent


def test_records_are_found_by_swedish_words(org):
    record_ingest(account=org.account, item=post())
    record_ingest(account=org.account, item=comment())
    found = Record.objects.filter(search_vector=SearchQuery("parkeringen", config=SEARCH_CONFIG))
    assert [record.platform_id for record in found] == ["c1"]


def test_n14_removed_item_stays_in_the_archive_marked_removed(org):
    from archive.services import record_remove

    record = record_ingest(account=org.account, item=comment()).record
    record_remove(actor=org.alice, record=record, ground="unlawful_threat", reason="Hot mot tjänsteperson.")
    record.refresh_from_db()
    assert record.text == comment().text
    assert (record.removed_by, record.removal_ground) == (org.alice, "unlawful_threat")


def test_f7_csam_is_purged_keeping_only_metadata_and_hashes(org):
    from archive.services import record_purge

    record = record_ingest(account=org.account, item=comment(raw={"id": "c1", "message": "x"})).record
    digest = record.content_sha256
    record_purge(actor=org.alice, record=record, ground="csam")
    assert record.text == "" and record.raw_json == {} and record.purged_at is not None
    assert record.content_sha256 == digest and record.author_name == "Eva Invånare"
    assert record.versions.get().text == ""
