"""The publishing pages in Swedish: the list with its empty state, composing with the live counter and
photos with their descriptions, the screening and consent on the post's page, the review page, the
calendar with held posts marked, and who may open what."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountState
from moderation import publishing
from moderation.models import PostDraft, PostEvent, PostTarget
from tests.moderation.test_post_publishing import (
    JPEG,
    PERSONNUMMER,
    TEXT,
    approve,
    compose,
    instance,
    media_root,
)

__all__ = ["instance", "media_root"]  # fixtures


def test_the_list_is_in_swedish_with_its_empty_state_and_the_menu_item(client, org):
    client.force_login(org.alice)
    page = client.get(reverse("moderation:posts")).content.decode()
    assert "Inga inlägg än. Börja med ett nytt inlägg." in page
    assert 'href="/inkorg/publicera/"' in page and ">Publicera</a>" in page  # in the main menu
    client.force_login(org.head)
    assert ">Publicera</a>" not in client.get("/").content.decode()
    assert client.get(reverse("moderation:posts")).status_code == 403


def test_composing_a_post_with_a_photo_and_a_text_per_account(client, org, media_root):
    client.force_login(org.alice)
    form = client.get(reverse("moderation:post_new")).content.decode()
    assert 'data-reply-limit="500"' in form and 'data-reply-count="mastodon"' in form  # the live counter
    assert f"Egen text för {org.account.display_name} (frivillig)" in form

    response = client.post(
        reverse("moderation:post_new"),
        {
            "department": org.own.pk,
            "accounts": [org.account.pk],
            "text": f"Grattis {PERSONNUMMER}!",
            f"text_{org.account.pk}": TEXT,
            "link": "https://www.norrvik.se/isbanan",
            "file_1": SimpleUploadedFile("isbanan.jpg", JPEG, content_type="image/jpeg"),
            "file_alt_1": "Isbanan på torget i kvällsljus",
        },
    )

    draft = PostDraft.objects.get()
    assert response.status_code == 302 and response.url == draft.get_absolute_url()
    assert draft.targets.get().text == TEXT and draft.media.get().alt_text == "Isbanan på torget i kvällsljus"
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Personnummer" in page and f"Får publiceras: {PERSONNUMMER}" in page
    assert "Går personer att känna igen på bilderna eller i filmerna?" in page
    assert "Granskningen hittade personuppgifter" in page  # sending for review waits for it


def test_a_photo_without_description_is_refused_in_swedish_and_nothing_is_saved(client, org, media_root):
    client.force_login(org.alice)
    response = client.post(
        reverse("moderation:post_new"),
        {
            "department": org.own.pk,
            "accounts": [org.account.pk],
            "text": TEXT,
            "file_1": SimpleUploadedFile("isbanan.jpg", JPEG, content_type="image/jpeg"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 400 and "Inlägget sparades inte" in page
    assert "Beskriv bilden eller filmen för den som inte kan se den (alt-text)." in page
    assert TEXT in page  # what was typed stays
    assert not PostDraft.objects.exists()


def test_screening_consent_review_and_publishing_by_post_requests(
    client, org, instance, django_capture_on_commit_callbacks
):
    draft = compose(
        org, text=f"Grattis {PERSONNUMMER}!", media=[publishing.NewMedia("a.jpg", "image/jpeg", JPEG, "A")]
    )
    client.force_login(org.alice)
    finding = draft.findings.get()
    assert (
        client.get(reverse("moderation:post_finding_confirm", args=[draft.pk, finding.pk])).status_code == 405
    )

    client.post(reverse("moderation:post_finding_confirm", args=[draft.pk, finding.pk]))
    client.post(reverse("moderation:post_consent", args=[draft.pk]), {"answer": "no_people"})
    client.post(reverse("moderation:post_send_review", args=[draft.pk]), {"reviewer": org.bob.pk})

    draft.refresh_from_db()
    assert draft.state == PostDraft.State.IN_REVIEW and draft.consent == "no_people"
    client.force_login(org.charlie)  # not the reviewer
    assert client.get(reverse("moderation:post_review", args=[draft.pk])).status_code == 403
    client.force_login(org.bob)
    review = client.get(reverse("moderation:post_review", args=[draft.pk])).content.decode()
    assert "Granska ett inlägg" in review and "Inga personer som känns igen" in review
    client.post(reverse("moderation:post_review", args=[draft.pk]), {"decision": "approve", "note": ""})
    draft.refresh_from_db()
    assert draft.is_approved

    client.force_login(org.alice)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("moderation:post_publish", args=[draft.pk]))
    assert len(callbacks) == 1
    actions = set(PostEvent.objects.filter(draft=draft).values_list("action", flat=True))
    assert {"finding_confirmed", "consent", "sent_for_review", "approved", "publishing"} <= actions


def test_the_calendar_lists_posts_by_day_and_marks_the_held_ones(client, org, instance):
    draft = approve(org, compose(org))
    when = timezone.now() + timedelta(days=1)
    publishing.post_schedule(actor=org.alice, draft=draft, publish_at=when)
    held = approve(org, compose(org, text="Biblioteket har stängt i dag."))
    publishing.post_schedule(actor=org.alice, draft=held, publish_at=when + timedelta(hours=1))
    org.account.state = AccountState.PAUSED
    org.account.save(update_fields=["state"])
    publishing.posts_release_due(now=when + timedelta(hours=2))
    for target in PostTarget.objects.filter(draft__in=[draft, held]):
        publishing.post_target_publish_run(target_id=target.pk)

    client.force_login(org.alice)
    local = timezone.localtime(when)
    page = client.get(reverse("moderation:post_calendar") + f"?manad={local:%Y-%m}").content.decode()
    assert "Publiceringskalender" in page and "Biblioteket har stängt i dag." in page
    assert page.count("Hålls inne: ") == 2 and "är pausat" in page
    client.force_login(org.charlie)
    assert (
        "Biblioteket"
        not in client.get(reverse("moderation:post_calendar") + f"?manad={local:%Y-%m}").content.decode()
    )
    assert client.get(draft.get_absolute_url()).status_code == 403


def test_deleting_a_draft_asks_first(client, org, instance):
    draft = compose(org)
    client.force_login(org.alice)
    confirm = client.get(reverse("moderation:post_delete", args=[draft.pk])).content.decode()
    assert "Det går inte att ångra." in confirm and PostDraft.objects.filter(pk=draft.pk).exists()
    client.post(reverse("moderation:post_delete", args=[draft.pk]))
    assert not PostDraft.objects.filter(pk=draft.pk).exists()
