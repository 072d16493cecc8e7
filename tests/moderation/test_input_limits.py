"""Every free text has a limit that fits its use, shown in the form and checked on the server with a
Swedish error; a reply is held to its platform's own limit, counted the way the platform counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation.models import Forward, Reply, SavedReply
from platforms.bluesky import BlueskyConnector
from platforms.facebook import FacebookConnector
from platforms.instagram import InstagramConnector
from platforms.mastodon import MastodonConnector
from platforms.youtube import YouTubeConnector
from tests.factories import ServiceAccountFactory

from .conftest import open_case

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji of five code points


def test_connectors_declare_their_reply_limit_and_how_they_count():
    assert (MastodonConnector.reply_limit, BlueskyConnector.reply_limit) == (500, 300)
    assert (YouTubeConnector.reply_limit, FacebookConnector.reply_limit, InstagramConnector.reply_limit) == (
        10000,
        8000,
        2200,
    )
    # Mastodon: a link counts as 23 characters, a mention without its server.
    link = "https://www.exempelby.se/" + "a" * 200
    assert MastodonConnector.count_text(f"Se {link}") == 3 + 23
    assert MastodonConnector.count_text("@anna@mastodon.example hej") == len("@anna hej")
    # Bluesky: user-perceived characters, so a family emoji or a flag is one.
    assert BlueskyConnector.count_text(FAMILY) == 1
    assert BlueskyConnector.count_text("\U0001f1f8\U0001f1ea é") == 3
    assert YouTubeConnector.count_text(FAMILY) == 5


@pytest.fixture
def bluesky_case(org):
    account = ServiceAccountFactory(platform="bluesky", department=org.own, admins=[org.alice, org.bob])
    return open_case(account)


def test_a_reply_over_the_platforms_limit_is_refused_with_a_swedish_error(org, client, bluesky_case):
    from moderation import services

    client.force_login(org.alice)
    page = client.get(bluesky_case.get_absolute_url()).content.decode()
    assert 'data-reply-limit="300"' in page and 'data-reply-count="graphemes"' in page
    assert "Bluesky tar högst 300 tecken, signaturen inräknad" in page
    signature = len("\n\n" + services.signature_for(org.alice))
    # 300 graphemes with the signature fit, although they are far more code points.
    fits = FAMILY * (300 - signature)
    response = client.post(reverse("moderation:reply", args=[bluesky_case.pk]), {"text": fits})
    assert response.status_code == 302
    assert Reply.objects.filter(case=bluesky_case).count() == 1

    other = open_case(bluesky_case.account)
    too_long = "a" * (300 - signature + 1)
    response = client.post(reverse("moderation:reply", args=[other.pk]), {"text": too_long})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Bluesky tar högst 300" in body and "Korta det med 1." in body
    assert too_long in body  # nothing the person wrote is lost
    assert not Reply.objects.filter(case=other).exists()


def test_the_reply_service_holds_the_limit_whatever_calls_it(org, bluesky_case):
    from django.core.exceptions import ValidationError

    from moderation import services

    with pytest.raises(ValidationError, match="Bluesky"):
        services.reply_submit(actor=org.alice, case=bluesky_case, text="x" * 300)
    assert not Reply.objects.exists()


def test_n12_an_unknown_placeholder_is_refused_when_the_saved_reply_is_saved(org, client):
    client.force_login(org.alice)
    count = SavedReply.objects.count()
    response = client.post(
        reverse("moderation:saved_reply_new"),
        {"title": "Länk", "purpose": "website", "text": "Hej {namn}! Läs på {hemsida}.", "is_active": "on"},
    )
    assert response.status_code in (200, 400)
    assert "Okänd platshållare {hemsida}" in response.content.decode()
    assert SavedReply.objects.count() == count
    page = client.get(reverse("moderation:saved_reply_new")).content.decode()
    assert 'maxlength="2000"' in page
    ok = client.post(
        reverse("moderation:saved_reply_new"),
        {"title": "Länk", "purpose": "website", "text": "Hej {namn}! Läs på {webbplats}.", "is_active": "on"},
    )
    assert ok.status_code == 302 and SavedReply.objects.count() == count + 1


def test_f9_a_forward_to_both_a_person_and_an_address_is_refused(org, client):
    case = open_case(org.account)
    client.force_login(org.alice)
    response = client.post(
        reverse("moderation:forward", args=[case.pk]),
        {
            "to_user": org.head.pk,
            "to_email": "expert@example.org",
            "question": "Stämmer det?",
            "due_on": (timezone.localdate() + timedelta(days=2)).isoformat(),
        },
        follow=True,
    )
    assert "Välj en person eller ange en e-postadress, inte båda." in response.content.decode()
    assert not Forward.objects.exists()


def test_forward_question_and_credential_have_limits_shown_and_checked(org, client):
    case = open_case(org.account)
    client.force_login(org.alice)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'maxlength="2000"' in page  # the question to an expert
    response = client.post(
        reverse("moderation:forward", args=[case.pk]),
        {
            "to_user": org.head.pk,
            "question": "x" * 2001,
            "due_on": (timezone.localdate() + timedelta(days=2)).isoformat(),
        },
        follow=True,
    )
    assert "högst 2000 tecken plats (det är 2001)" in response.content.decode()
    assert not Forward.objects.exists()
    client.force_login(org.info)
    response = client.post(
        reverse("accounts:credentials", args=[org.account.pk]),
        {"name": "access_token", "secret": "t" * 4097},
    )
    assert "högst 4096 tecken plats (det är 4097)" in response.content.decode()
    assert not org.account.credentials.exists()
