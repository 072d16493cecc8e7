"""N8/N9: watches read public sources served by a real local HTTP server from recorded payloads
(tests/fixtures/rss/monitoring_news*.xml, tests/fixtures/mastodon/tag_forshaga.json)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from archive.models import Record
from moderation import monitoring
from moderation.models import HitState, MonitoringEvent, MonitoringHit, WatchSource
from moderation.monitoring import SourceInput
from tests.platforms.conftest import FIXTURES

Kind = WatchSource.Kind
TERMS = "Forshagabron\nsnöröjning"


def serve_sources(httpserver):
    for path, name in (
        ("/forshaga/feed/", "monitoring_news.xml"),
        ("/trafik/feed/", "monitoring_news_category.xml"),
    ):
        httpserver.expect_request(path).respond_with_data(
            (FIXTURES / "rss" / name).read_bytes(), content_type="application/rss+xml; charset=UTF-8"
        )
    httpserver.expect_request("/api/v1/timelines/tag/forshaga").respond_with_data(
        (FIXTURES / "mastodon" / "tag_forshaga.json").read_bytes(), content_type="application/json"
    )


def make_watch(org, httpserver, *, sources=None, actor=None, department=None):
    sources = sources or [
        SourceInput(kind=Kind.FEED, address=httpserver.url_for("/forshaga/feed/")),
        SourceInput(kind=Kind.FEED, address=httpserver.url_for("/trafik/feed/")),
        SourceInput(kind=Kind.MASTODON_TAG, address=httpserver.url_for("/").rstrip("/"), query="#forshaga"),
    ]
    return monitoring.watch_save(
        actor=actor or org.alice,
        department=department or org.own,
        name="Forshagabron och snöröjningen",
        terms=TERMS,
        interval_minutes=60,
        sources=sources,
        account=org.account,
    )


@pytest.fixture
def watch(org, httpserver):
    serve_sources(httpserver)
    return make_watch(org, httpserver)


def test_n8_a_watch_finds_a_new_item_in_a_local_feed_once(org, watch, httpserver):
    first = monitoring.watch_run(watch_id=watch.pk)
    assert (first.new_hits, first.errors) == (3, 0)
    second = monitoring.watch_run(watch_id=watch.pk)
    assert second.new_hits == 0
    hits = {hit.url: hit for hit in MonitoringHit.objects.filter(watch=watch)}
    assert len(hits) == 3
    # The article is in two feeds (one address with tracking parameters) and shared on Mastodon
    # with the same words: one hit, found in all three sources.
    article = hits["https://nyheter.example/2026/11/30/kritik-forshagabron/"]
    assert article.sources.count() == 3
    assert article.matched == "Forshagabron"
    assert article.text.startswith("Kritik mot kommunen efter plogningen vid Forshagabron")
    assert article.department == org.own
    # A feed entry counts only when it names a word; every status of the followed hashtag counts.
    assert "https://nyheter.example/2026/11/29/padelhall-deje/" not in hits
    assert hits["https://nyheter.example/2026/11/28/helgens-vader/"].matched == "snöröjning"
    assert hits["https://mastodon.example/@klaralven/113600000000000198"].platform == "mastodon"
    # Not public records: nothing was written to the archive.
    assert Record.objects.count() == 0
    watch.refresh_from_db()
    assert watch.next_run_at == watch.last_run_at + timedelta(minutes=60)
    assert monitoring.watches_due(now=watch.last_run_at + timedelta(minutes=59)) == []
    assert monitoring.watches_due(now=watch.last_run_at + timedelta(minutes=60)) == [watch.pk]


def test_n8_a_source_that_fails_is_noted_and_the_others_still_count(org, httpserver):
    serve_sources(httpserver)
    httpserver.expect_request("/api/v2/search").respond_with_json(
        {"error": "Invalid access token"}, status=401
    )
    watch = make_watch(
        org,
        httpserver,
        sources=[
            SourceInput(kind=Kind.FEED, address=httpserver.url_for("/forshaga/feed/")),
            SourceInput(kind=Kind.MASTODON_SEARCH, address=httpserver.url_for("/").rstrip("/")),
        ],
    )
    result = monitoring.watch_run(watch_id=watch.pk)
    assert (result.new_hits, result.errors) == (2, 1)
    failed = watch.sources.get(kind=Kind.MASTODON_SEARCH)
    assert "kräver inloggning" in failed.last_error
    assert watch.sources.get(kind=Kind.FEED).last_error == ""


def test_n8_a_watch_without_words_or_sources_is_refused_in_swedish(org):
    with pytest.raises(ValidationError) as refused:
        monitoring.watch_save(
            actor=org.alice, department=org.own, name="Tom", terms=" \n", interval_minutes=60, sources=[]
        )
    assert "Ange minst ett ord eller en fras" in " ".join(refused.value.messages)
    assert "Välj minst en källa" in " ".join(refused.value.messages)


def test_n8_a_communicator_cannot_keep_another_departments_watches(org, httpserver):
    with pytest.raises(PermissionDenied):
        make_watch(org, httpserver, actor=org.charlie)


@pytest.fixture
def hit(org, watch):
    monitoring.watch_run(watch_id=watch.pk)
    return MonitoringHit.objects.get(url="https://nyheter.example/2026/11/30/kritik-forshagabron/")


def test_n9_discuss_with_manager_blocks_replying_until_answered(
    org, hit, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        monitoring.hit_mark_discuss(actor=org.alice, hit=hit, question="Ska vi bemöta kritiken om bron?")
    hit.refresh_from_db()
    assert hit.state == HitState.WAITING_FOR_MANAGER
    # The head of the department is told where to answer, not what was written.
    assert [message.to for message in mailoutbox] == [[org.head.email]]
    assert f"/inkorg/bevakning/traff/{hit.pk}/" in mailoutbox[0].body
    assert "gångbanan" not in mailoutbox[0].body

    with pytest.raises(ValidationError, match="Chefen har inte svarat"):
        monitoring.hit_respond(actor=org.alice, hit=hit, text="Vi plogar i dag.")
    with pytest.raises(ValidationError, match="Chefen har inte svarat"):
        monitoring.hit_close_no_action(actor=org.alice, hit=hit)
    # Only the head of the hit's own department answers.
    for outsider in (org.alice, org.other_head, org.web):
        with pytest.raises(PermissionDenied):
            monitoring.hit_answer_manager(actor=outsider, hit=hit, answer="Svara.")
    hit.refresh_from_db()
    assert hit.response == "" and hit.state == HitState.WAITING_FOR_MANAGER

    with django_capture_on_commit_callbacks(execute=True):
        monitoring.hit_answer_manager(
            actor=org.head, hit=hit, answer="Ja, svara och hänvisa till felanmälan."
        )
    assert mailoutbox[-1].to == [org.alice.email]
    org.alice.title = "Kommunikatör"
    org.alice.save(update_fields=["title"])
    monitoring.hit_respond(actor=org.alice, hit=hit, text="Tack, gångbanan plogas i dag.")
    hit.refresh_from_db()
    assert hit.state == HitState.RESPONDED
    assert hit.response == "Tack, gångbanan plogas i dag.\n/Alice, Kommunikatör"
    actions = list(hit.events.values_list("action", "actor__username"))
    assert actions == [("manager_asked", "alice"), ("manager_answered", "hedda"), ("responded", "alice")]


def test_n9_a_hit_not_discussed_can_be_closed_without_action(org, hit):
    monitoring.hit_close_no_action(actor=org.bob, hit=hit, note="Redan åtgärdat.")
    hit.refresh_from_db()
    assert hit.state == HitState.NO_ACTION and hit.closed_at is not None
    with pytest.raises(PermissionDenied):
        monitoring.hit_close_no_action(actor=org.charlie, hit=hit)


def test_n8_saving_a_hit_as_a_record_goes_through_the_archive_with_the_reason(org, watch):
    monitoring.watch_run(watch_id=watch.pk)
    status = MonitoringHit.objects.get(platform="mastodon")
    with pytest.raises(ValidationError, match="varför"):
        monitoring.hit_save_as_record(actor=org.alice, hit=status, reason=" ")
    record = monitoring.hit_save_as_record(actor=org.alice, hit=status, reason="Kritik som rör ett ärende.")
    assert record.platform == "mastodon" and record.platform_id == status.platform_id
    assert record.account == org.account and not record.is_own
    event = status.events.get(action=MonitoringEvent.Action.SAVED_AS_RECORD)
    assert (event.actor, event.note) == (org.alice, "Kritik som rör ett ärende.")
    article = MonitoringHit.objects.get(platform="rss", url__contains="kritik")
    with pytest.raises(ValidationError, match="samma plattform"):
        monitoring.hit_save_as_record(actor=org.alice, hit=article, reason="Viktigt.")
    assert Record.objects.count() == 1


def test_n8_digest_mails_each_departments_communicators_their_new_hits(
    org, watch, mailoutbox, django_capture_on_commit_callbacks
):
    monitoring.watch_run(watch_id=watch.pk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert monitoring.digest_send() == 1
    (message,) = mailoutbox
    assert sorted(message.to) == sorted([org.alice.email, org.bob.email])
    assert message.subject == "3 nya träffar i omvärldsbevakningen"
    assert "https://nyheter.example/2026/11/28/helgens-vader/" in message.body
    # Nothing new since: nobody is mailed the next day.
    assert monitoring.digest_send(now=timezone.now() + timedelta(days=2)) == 0


def test_n8_hits_older_than_the_retention_period_are_deleted_and_logged(org, watch, settings):
    settings.MONITORING_RETENTION_DAYS = 30
    monitoring.watch_run(watch_id=watch.pk)
    old = MonitoringHit.objects.filter(platform="rss")
    old.update(found_at=timezone.now() - timedelta(days=31))
    assert monitoring.hits_dispose() == 2
    assert list(MonitoringHit.objects.values_list("platform", flat=True)) == ["mastodon"]
    event = MonitoringEvent.objects.get(action=MonitoringEvent.Action.DISPOSED)
    assert event.watch == watch and event.note.startswith("2 ")
    assert monitoring.hits_dispose() == 0


def test_n8_beat_reads_the_due_watches_every_minute_and_digests_and_disposes_nightly():
    from celery import current_app

    from smgov.schedules import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["moderation-monitoring-due"]["schedule"] == 60.0
    for name in (
        "moderation-monitoring-due",
        "moderation-monitoring-digest",
        "moderation-monitoring-dispose",
    ):
        assert BEAT_SCHEDULE[name]["task"] in current_app.tasks
