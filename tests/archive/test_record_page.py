"""N20: the record page shows the thread, the versions side by side, provenance and hashes;
every view is written to the access log."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from archive.models import AccessLog, RecordKind
from archive.services import (
    IncomingItem,
    media_file_store,
    record_ingest,
    record_purge,
    record_remove,
    source_response_store,
)
from tests.archive.helpers import ingest
from tests.factories import UserFactory


@pytest.fixture
def thread(org):
    source = source_response_store(
        account=org.account,
        url="https://mastodon.example/api/v1/statuses/p1",
        status=200,
        headers={"content-type": "application/json"},
        body=b'{"id": "p1", "content": "Sn\\u00f6r\\u00f6jningen b\\u00f6rjar i natt."}',
        fetched_at=datetime(2026, 3, 2, 9, 5, tzinfo=UTC),
    )
    post = record_ingest(
        account=org.account,
        item=IncomingItem(
            platform_id="p1",
            kind=RecordKind.POST,
            is_own=True,
            published_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
            text="Snöröjningen börjar i natt.\nVi börjar i centrum.",
            author_name="Exempelby kommun",
            raw={"id": "p1"},
        ),
        source=source,
    ).record
    record_ingest(
        account=org.account,
        item=IncomingItem(
            platform_id="p1",
            kind=RecordKind.POST,
            is_own=True,
            published_at=post.published_at,
            text="Snöröjningen börjar i natt.\nVi börjar i Norrby.",
            author_name="Exempelby kommun",
            raw={"id": "p1", "edited": True},
        ),
    )
    comment = ingest(org.account, "<b>Äntligen</b> plogning!", kind=RecordKind.COMMENT, thread=post)
    record_remove(actor=org.alice, record=comment, ground="other", reason="Spam")
    post.refresh_from_db()
    return post, comment, source


def test_n20_record_page_shows_thread_versions_provenance_and_hashes(org, thread, client):
    post, comment, source = thread
    client.force_login(org.registrar)
    response = client.get(reverse("archive:record", args=[post.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    # The thread, with the comment escaped, marked removed.
    assert "&lt;b&gt;Äntligen&lt;/b&gt;" in html or "Äntligen plogning" in html
    assert "<b>Äntligen</b>" not in html
    assert reverse("archive:record", args=[comment.pk]) in html
    # The versions side by side: the changed line on both sides.
    assert "<del>Vi börjar i centrum.</del>" in html and "<ins>Vi börjar i Norrby.</ins>" in html
    for version in post.versions.all():
        assert version.sha256 in html
    # Provenance and hashes.
    assert source.url in html and source.sha256 in html and post.raw_sha256 in html
    assert reverse("archive:record_source", args=[post.pk, source.pk]) in html


def test_every_view_of_a_record_is_logged(org, thread, client):
    post, _comment, _source = thread
    client.force_login(org.registrar)
    client.get(reverse("archive:record", args=[post.pk]))
    client.get(reverse("archive:record", args=[post.pk]))
    views = AccessLog.objects.filter(record=post, action=AccessLog.Action.VIEW)
    assert views.count() == 2 and {entry.user for entry in views} == {org.registrar}


def test_removal_is_shown_with_ground_and_remover(org, thread, client):
    _post, comment, _source = thread
    client.force_login(org.registrar)
    html = client.get(reverse("archive:record", args=[comment.pk])).content.decode()
    assert "Spam" in html and str(org.alice) in html
    assert "Annat: Spam" in html and ">other" not in html


def test_the_removal_ground_is_shown_in_words_on_the_record_page(org, client):
    comment = ingest(org.account, "Jag vet var du bor.", kind=RecordKind.COMMENT)
    record_remove(actor=org.alice, record=comment, ground="unlawful_threat")
    client.force_login(org.registrar)
    html = client.get(reverse("archive:record", args=[comment.pk])).content.decode()
    assert "Olaga hot" in html and "unlawful_threat" not in html


def test_source_bytes_download_as_received_and_logged(org, thread, client):
    post, _comment, source = thread
    client.force_login(org.registrar)
    response = client.get(reverse("archive:record_source", args=[post.pk, source.pk]))
    assert response.status_code == 200
    assert response.content == bytes(source.body)
    assert response["Content-Type"] == "application/octet-stream"
    assert "attachment" in response["Content-Disposition"]
    assert AccessLog.objects.filter(record=post, action=AccessLog.Action.SOURCE).count() == 1


def test_source_of_another_record_is_not_reachable_through_this_one(org, thread, client):
    _post, comment, source = thread
    client.force_login(org.registrar)
    assert client.get(reverse("archive:record_source", args=[comment.pk, source.pk])).status_code == 404


@pytest.mark.parametrize(
    "who, status",
    [
        ("registrar", 200),
        ("head", 200),
        ("alice", 200),
        ("web", 200),
        ("city_registrar", 200),
        ("info", 403),
        ("charlie", 403),
        ("other_head", 403),
    ],
)
def test_record_page_checks_access(org, thread, client, who, status):
    post, _comment, _source = thread
    client.force_login(getattr(org, who))
    assert client.get(reverse("archive:record", args=[post.pk])).status_code == status
    if status == 403:
        assert not AccessLog.objects.filter(record=post).exists()


@pytest.mark.parametrize(
    "who, status",
    [
        ("registrar", 200),
        ("city_registrar", 200),
        ("info", 403),
        ("alice", 403),
        ("head", 403),
        ("charlie", 403),
    ],
)
def test_source_download_checks_access(org, thread, client, who, status):
    post, _comment, source = thread
    client.force_login(getattr(org, who))
    assert client.get(reverse("archive:record_source", args=[post.pk, source.pk])).status_code == status


def test_anonymous_and_roleless_people_cannot_see_records(org, thread, client):
    post, _comment, _source = thread
    assert client.get(reverse("archive:record", args=[post.pk])).status_code == 302
    client.force_login(UserFactory(department=org.own))
    assert client.get(reverse("archive:record", args=[post.pk])).status_code == 403


@pytest.fixture
def pictured(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    post = ingest(
        org.account,
        "Plogbilen i arbete.",
        media=[
            {"url": "https://cdn.example/plog.jpg", "type": "image", "alt_text": "Plogbil i snöfall"},
            {"url": "https://cdn.example/film.mp4", "type": "video", "alt_text": ""},
        ],
    )
    media_file_store(
        record=post,
        url="https://cdn.example/plog.jpg",
        media_type="image",
        alt_text="Plogbil i snöfall",
        content=b"\xff\xd8\xff\xe0 jpeg bytes",
        content_type="image/jpeg",
    )
    media_file_store(
        record=post,
        url="https://cdn.example/film.mp4",
        media_type="video",
        skipped_reason="hämtningen misslyckades: servern svarade HTTP 503",
        retry_at=datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
    )
    return post


def test_n20_record_page_shows_kept_media_with_hash_and_why_a_file_is_missing(org, pictured, client):
    client.force_login(org.registrar)
    html = client.get(reverse("archive:record", args=[pictured.pk])).content.decode()

    image = pictured.media_files.get(media_type="image")
    assert "Plogbil i snöfall" in html and image.sha256 in html
    assert reverse("archive:record_media", args=[pictured.pk, image.pk]) in html
    assert "hämtningen misslyckades: servern svarade HTTP 503" in html and "2026-03-02 12:00" in html  # retried, Swedish time


def test_media_download_is_the_kept_bytes_logged_and_scoped(org, pictured, client):
    image = pictured.media_files.get(media_type="image")
    video = pictured.media_files.get(media_type="video")
    url = reverse("archive:record_media", args=[pictured.pk, image.pk])

    client.force_login(org.alice)
    response = client.get(url)
    assert response.content == b"\xff\xd8\xff\xe0 jpeg bytes"
    assert "attachment" in response["Content-Disposition"] and response["X-Content-Type-Options"] == "nosniff"
    assert (
        AccessLog.objects.filter(record=pictured, action=AccessLog.Action.MEDIA, user=org.alice).count() == 1
    )
    assert client.get(reverse("archive:record_media", args=[pictured.pk, video.pk])).status_code == 404
    client.force_login(org.charlie)
    assert client.get(url).status_code == 403


def test_f7_purging_a_record_deletes_its_media_bytes_from_storage(
    org, pictured, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    name = pictured.media_files.get(media_type="image").file.name
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        record_purge(actor=org.alice, record=pictured, ground="csam")

    assert not default_storage.exists(name)
    assert not pictured.media_files.exists()
