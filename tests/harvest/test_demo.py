"""The demo platform: a feed per platform served by smgov itself, harvested like the real ones."""

import socket

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AccountState, ServiceAccount
from archive.models import MediaFile, Record, SourceResponse
from harvest import services
from harvest.demo import DEMO_ACCOUNT_ID, configure_demo_harvest
from harvest.models import ConnectionStatus, HarvestRun, HarvestState
from moderation.models import Case
from tests.factories import ServiceAccountFactory

LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@pytest.fixture
def demo_account(transactional_db, org, settings, tmp_path):
    settings.DEMO_PLATFORM = True
    settings.MEDIA_ROOT = tmp_path
    return ServiceAccountFactory(
        department=org.own,
        admins=[org.alice, org.bob],
        platform="mastodon",
        display_name="Exempelby kommun",
        handle="exempelby@social.exempelby.se",
    )


@pytest.fixture
def hosts_looked_up(monkeypatch):
    """Every host name this process resolves, to prove that nothing outside this machine is asked."""
    looked_up = set()
    real = socket.getaddrinfo

    def recording(host, *args, **kwargs):
        looked_up.add(host.decode() if isinstance(host, bytes) else host)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    return looked_up


def test_the_demo_feed_is_harvested_with_swedish_posts_and_flagged_comments(demo_account, live_server):
    [account] = configure_demo_harvest(site_url=live_server.url)

    assert account == demo_account
    account.refresh_from_db()
    assert account.platform_id == DEMO_ACCOUNT_ID
    assert account.api_base_url == f"{live_server.url}/demo-plattform"
    assert HarvestState.objects.get(account=account).next_run_at <= timezone.now()

    run = services.harvest_account(account_id=account.pk)

    assert run.status == "succeeded", run.error
    assert Record.objects.filter(account=account, kind="post").count() == 3
    assert Record.objects.filter(account=account).exclude(kind="post").count() == 7
    newest = Record.objects.filter(account=account, kind="post").order_by("-published_at").first()
    assert newest.published_at.date() >= timezone.localdate() - timezone.timedelta(days=1)  # recent
    assert newest.published_at <= timezone.now()  # never in the future
    assert Case.objects.filter(record__account=account).count() == 6  # the own reply opens none
    assert Case.objects.get(record__text__contains="personnummer").has_personal_data
    assert Case.objects.get(record__text__contains="Jag vet var ni bor").has_ground
    assert run.media_saved == 1 and run.followers == 1843


def test_every_demo_account_harvests_its_own_demo_feed_and_nothing_outside(
    transactional_db, live_server, settings, tmp_path, hosts_looked_up
):
    """`make run`'s seeding, then a harvest of every active demo account: all healthy, with posts,
    comments and media, every request and download to the demo platform on this machine. (The year
    of history, `seed_demo_history`, is left out: it takes minutes, and its records come from no
    platform response, so the harvest never asks about them.)"""
    settings.DEMO_PLATFORM = True
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = live_server.url
    for command in ("seed_demo", "seed_demo_moderation", "harvest_demo"):
        call_command(command, stdout=open("/dev/null", "w"))  # noqa: SIM115
    active = list(ServiceAccount.objects.filter(state=AccountState.ACTIVE).order_by("pk"))
    assert {account.platform for account in active} == {
        "facebook",
        "instagram",
        "youtube",
        "mastodon",
        "bluesky",
        "rss",
    }

    for account in active:
        run = services.harvest_account(account_id=account.pk)

        assert run.status == HarvestRun.Status.SUCCEEDED, (str(account), run.error)
        assert run.warnings == [], (str(account), run.warnings)
        assert run.items_new > 0 and run.media_skipped == 0, str(account)
        harvested = Record.objects.filter(account=account, source__isnull=False)
        assert harvested.filter(kind="post").exists(), str(account)
        assert harvested.exclude(kind="post").exists(), str(account)  # comments and replies
        assert Case.objects.filter(record__in=harvested).exists(), str(account)

    assert not HarvestRun.objects.exclude(status=HarvestRun.Status.SUCCEEDED).exists()
    assert set(HarvestState.objects.values_list("status", flat=True)) == {ConnectionStatus.OK}
    assert {
        url.split("/demo-plattform/")[0] for url in SourceResponse.objects.values_list("url", flat=True)
    } == {live_server.url}
    media = MediaFile.objects.all()
    assert media.count() > len(active)
    assert not media.exclude(url__startswith=f"{live_server.url}/demo-plattform/media/").exists()
    assert not media.filter(file="").exists()  # every picture downloaded, none skipped
    assert hosts_looked_up <= LOOPBACK, hosts_looked_up


def test_the_demo_platform_is_off_unless_enabled(client, settings):
    settings.DEMO_PLATFORM = False
    assert client.get(f"/demo-plattform/api/v1/accounts/{DEMO_ACCOUNT_ID}").status_code == 404
    assert client.get("/demo-plattform/blogg/feed/").status_code == 404
    settings.DEMO_PLATFORM = True
    assert client.get(f"/demo-plattform/api/v1/accounts/{DEMO_ACCOUNT_ID}").status_code == 200
    assert client.get("/demo-plattform/blogg/feed/").status_code == 200


def test_configure_demo_harvest_does_nothing_when_disabled(demo_account, settings):
    settings.DEMO_PLATFORM = False
    assert configure_demo_harvest(site_url="http://127.0.0.1:8000") == []


def test_harvest_demo_command_configures_the_demo_account(demo_account, capsys):
    call_command("harvest_demo")

    demo_account.refresh_from_db()
    assert demo_account.platform_id == DEMO_ACCOUNT_ID
    assert "demo-plattform" in capsys.readouterr().out
