"""F15: the municipality's own posts with photos carry a consent note, or are listed until they do."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from archive.models import RecordKind
from archive.services import IncomingItem, record_ingest
from moderation.models import PhotoConsent
from moderation.selectors import photos_awaiting_consent
from moderation.services import photo_consent_note

from .conftest import PUBLISHED, _ids, ingest_comment, ingest_post

PHOTO = [{"url": "https://cdn.example/plog.jpg", "type": "image", "alt_text": "Plogbil och förare"}]


def ingest_photo_post(account, text="Våra förare plogar i natt."):
    return record_ingest(
        account=account,
        item=IncomingItem(
            platform_id=f"photo-{next(_ids)}",
            kind=RecordKind.POST,
            is_own=True,
            published_at=PUBLISHED,
            text=text,
            author_name=account.display_name,
            media=PHOTO,
        ),
    ).record


@pytest.fixture
def photo_post(org):
    return ingest_photo_post(org.account)


def test_f15_an_own_post_with_a_photo_is_listed_until_it_has_a_consent_note(org, photo_post):
    assert list(photos_awaiting_consent(user=org.alice)) == [photo_post]

    note = photo_consent_note(
        actor=org.alice, record=photo_post, answer="consent", note="Blankett i KS 2026/41"
    )

    assert list(photos_awaiting_consent(user=org.alice)) == []
    assert (note.noted_by, note.answer, note.note) == (org.alice, "consent", "Blankett i KS 2026/41")


def test_f15_posts_without_photos_comments_and_other_departments_are_not_listed(org, photo_post):
    ingest_post(org.account, text="Ingen bild här.")
    ingest_comment(org.account, media=PHOTO)  # the public's photos are flagged on their case
    other = ingest_photo_post(org.other_account, text="Annan förvaltning.")

    assert list(photos_awaiting_consent(user=org.alice)) == [photo_post]
    assert set(photos_awaiting_consent(user=org.web)) == {photo_post, other}
    assert list(photos_awaiting_consent(user=org.registrar)) == []  # not an inbox user


def test_f15_consent_needs_to_say_where_it_is_kept_and_is_noted_once(org, photo_post):
    with pytest.raises(ValidationError):
        photo_consent_note(actor=org.alice, record=photo_post, answer="consent", note=" ")
    photo_consent_note(actor=org.alice, record=photo_post, answer="no_people")
    with pytest.raises(ValidationError):
        photo_consent_note(actor=org.bob, record=photo_post, answer="removed")
    assert PhotoConsent.objects.get(record=photo_post).answer == "no_people"


def test_f15_only_the_departments_communicators_note_consent(org, photo_post):
    for outsider in (org.charlie, org.head, org.registrar):
        with pytest.raises(PermissionDenied):
            photo_consent_note(actor=outsider, record=photo_post, answer="no_people")
    photo_consent_note(actor=org.web, record=photo_post, answer="no_people")


def test_f15_consent_page_lists_notes_and_shows_errors_in_the_form(org, photo_post, client):
    client.force_login(org.alice)
    page = client.get(reverse("moderation:photo_consents"))
    assert page.status_code == 200
    assert "Plogbil och förare" in page.content.decode()

    url = reverse("moderation:photo_consent_note", args=[photo_post.pk])
    refused = client.post(url, {f"p{photo_post.pk}-answer": "consent", f"p{photo_post.pk}-note": ""})
    assert refused.status_code == 400 and "error-summary" in refused.content.decode()
    assert not PhotoConsent.objects.exists()

    saved = client.post(url, {f"p{photo_post.pk}-answer": "consent", f"p{photo_post.pk}-note": "Blankett"})
    assert saved.status_code == 302
    after = client.get(reverse("moderation:photo_consents")).content.decode()
    assert "Blankett" in after  # among the latest notes
    assert f'id="post-{photo_post.pk}"' not in after


@pytest.mark.parametrize(
    "who, listing, noting",
    [("alice", 200, 302), ("head", 200, 403), ("charlie", 200, 403), ("registrar", 403, 403)],
)
def test_f15_consent_pages_check_access(org, photo_post, client, who, listing, noting):
    client.force_login(getattr(org, who))
    assert client.get(reverse("moderation:photo_consents")).status_code == listing
    url = reverse("moderation:photo_consent_note", args=[photo_post.pk])
    assert client.post(url, {f"p{photo_post.pk}-answer": "no_people"}).status_code == noting


def test_f15_dashboard_counts_photos_without_a_consent_note(org, photo_post, client):
    client.force_login(org.alice)
    cards = {card["title"]: card for card in client.get("/").context["cards"]}
    assert cards["Bilder utan samtyckesanteckning"]["count"] == 1
