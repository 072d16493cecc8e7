"""The demo platform: a Mastodon-compatible feed served by smgov itself, harvested like a real one."""

import pytest
from django.utils import timezone

from archive.models import Record
from harvest import services
from harvest.demo import DEMO_ACCOUNT_ID, configure_demo_harvest
from harvest.models import HarvestState
from moderation.models import Case
from tests.factories import ServiceAccountFactory


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


def test_the_demo_feed_is_harvested_with_swedish_posts_and_flagged_comments(demo_account, live_server):
    account = configure_demo_harvest(site_url=live_server.url)

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
    assert Case.objects.filter(record__account=account).count() == 6  # the own reply opens none
    assert Case.objects.get(record__text__contains="personnummer").has_personal_data
    assert Case.objects.get(record__text__contains="Jag vet var ni bor").has_ground
    assert run.media_saved == 1 and run.followers == 1843


def test_the_demo_platform_is_off_unless_enabled(client, settings):
    settings.DEMO_PLATFORM = False
    assert client.get(f"/demo-plattform/api/v1/accounts/{DEMO_ACCOUNT_ID}").status_code == 404
    settings.DEMO_PLATFORM = True
    assert client.get(f"/demo-plattform/api/v1/accounts/{DEMO_ACCOUNT_ID}").status_code == 200


def test_configure_demo_harvest_does_nothing_when_disabled(demo_account, settings):
    settings.DEMO_PLATFORM = False
    assert configure_demo_harvest(site_url="http://127.0.0.1:8000") is None


def test_harvest_demo_command_configures_the_demo_account(demo_account, capsys):
    from django.core.management import call_command

    call_command("harvest_demo")

    demo_account.refresh_from_db()
    assert demo_account.platform_id == DEMO_ACCOUNT_ID
    assert "demo-plattform" in capsys.readouterr().out
