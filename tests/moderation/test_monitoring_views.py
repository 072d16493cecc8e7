"""Pages of the monitoring (N8/N9): who sees which department's hits and watches, the watch form."""

import pytest
from django.urls import reverse

from moderation import monitoring
from moderation.models import HitState, MonitoringHit, Watch
from tests.moderation.test_monitoring import make_watch, serve_sources


@pytest.fixture
def hit(org, httpserver):
    serve_sources(httpserver)
    watch = make_watch(org, httpserver)
    monitoring.watch_run(watch_id=watch.pk)
    return MonitoringHit.objects.get(url__contains="kritik-forshagabron")


def test_n8_monitoring_pages_check_access(client, org, hit):
    pages = [
        reverse("moderation:monitoring"),
        reverse("moderation:hit", args=[hit.pk]),
        reverse("moderation:watch", args=[hit.watch_id]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    # Own department (communicator), the web communicator and the information unit.
    for person in (org.alice, org.web, org.info):
        client.force_login(person)
        for url in pages:
            assert client.get(url).status_code == 200, (person.username, url)
    # Another department's communicator and head: not the hit, not the watch, not in the list.
    for person in (org.charlie, org.other_head):
        client.force_login(person)
        assert client.get(pages[1]).status_code == 403
        assert client.get(pages[2]).status_code == 403
        listing = client.get(pages[0])
        assert listing.status_code == 200
        assert hit.get_absolute_url() not in listing.content.decode()
        assert client.post(reverse("moderation:hit_no_action", args=[hit.pk])).status_code == 403
        assert client.post(reverse("moderation:hit_discuss", args=[hit.pk])).status_code == 403
    # The registrar has no monitoring.
    client.force_login(org.registrar)
    assert client.get(pages[0]).status_code == 403
    hit.refresh_from_db()
    assert hit.state == HitState.NEW


def test_n8_the_list_shows_the_departments_hits_in_swedish(client, org, hit):
    client.force_login(org.alice)
    page = client.get(reverse("moderation:monitoring")).content.decode()
    assert "<h1>Omvärldsbevakning</h1>" in page
    assert hit.get_absolute_url() in page
    assert "Forshagabron och snöröjningen" in page
    assert "Omvärldsbevakning" in [
        str(item["label"]) for item in client.get(reverse("dashboard")).context["navigation"]
    ]


def test_n8_the_watch_form_saves_sources_and_explains_errors_in_swedish(client, org):
    client.force_login(org.alice)
    response = client.post(
        reverse("moderation:watch_new"),
        {
            "name": "Bron",
            "department": org.own.pk,
            "terms": " ",
            "interval_minutes": 60,
            "feeds": "inte en adress",
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Bevakningen sparades inte" in page
    assert "inte en adress är ingen webbadress" in page
    assert "Detta fält måste fyllas i." in page
    assert not Watch.objects.exists()

    response = client.post(
        reverse("moderation:watch_new"),
        {
            "name": "Bron",
            "department": org.own.pk,
            "terms": "Forshagabron\nbron",
            "interval_minutes": 360,
            "mastodon_instance": "https://mastodon.example",
            "mastodon_tags": "#forshaga #deje",
            "bluesky_search": "on",
            "feeds": "https://nyheter.example/forshaga/feed/",
            "is_active": "on",
        },
    )
    watch = Watch.objects.get()
    assert response.status_code == 302 and response.url == watch.get_absolute_url()
    assert watch.term_list == ["Forshagabron", "bron"] and watch.interval_minutes == 360
    assert sorted((s.kind, s.query) for s in watch.sources.all()) == [
        ("bluesky_search", ""),
        ("feed", ""),
        ("mastodon_tag", "deje"),
        ("mastodon_tag", "forshaga"),
    ]
    # Another department's communicator cannot put a watch in this department.
    client.force_login(org.charlie)
    response = client.post(
        reverse("moderation:watch_new"),
        {"name": "X", "department": org.own.pk, "terms": "x", "interval_minutes": 60},
    )
    assert response.status_code == 400 and Watch.objects.count() == 1


def test_n9_the_hit_page_blocks_the_response_until_the_head_answers(client, org, hit):
    client.force_login(org.alice)
    client.post(reverse("moderation:hit_discuss", args=[hit.pk]), {"question": "Ska vi svara?"})
    page = client.get(hit.get_absolute_url()).content.decode()
    assert "Väntar på chefen" in page
    assert reverse("moderation:hit_respond", args=[hit.pk]) not in page
    response = client.post(
        reverse("moderation:hit_respond", args=[hit.pk]), {"text": "Vi svarar ändå."}, follow=True
    )
    assert "Chefen har inte svarat ännu" in response.content.decode()
    hit.refresh_from_db()
    assert hit.response == ""

    client.force_login(org.head)
    page = client.get(hit.get_absolute_url()).content.decode()
    assert reverse("moderation:hit_answer", args=[hit.pk]) in page
    client.post(reverse("moderation:hit_answer", args=[hit.pk]), {"answer": "Svara kort och sakligt."})

    client.force_login(org.alice)
    page = client.get(hit.get_absolute_url()).content.decode()
    assert "Svara kort och sakligt." in page
    # A news article: no account of the municipality can reply there.
    assert "svara genom de vanliga kanalerna" in page
    client.post(reverse("moderation:hit_respond", args=[hit.pk]), {"text": "Vi har kontaktat reportern."})
    hit.refresh_from_db()
    assert hit.state == HitState.RESPONDED
