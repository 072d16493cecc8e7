"""The problem view: failed removals and replies, harvest outages, expiring login details and overdue
checks, each with its next step, within what the person may see; the dashboard counts them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Credential
from harvest.models import ConnectionStatus, HarvestState
from moderation.models import PlatformAction, Reply
from tests.factories import ServiceAccountFactory
from tests.moderation.conftest import open_case


def _page(client, user):
    client.force_login(user)
    response = client.get(reverse("problems"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_everything_that_went_wrong_is_listed_with_its_next_step(client, org):
    removal = open_case(org.account, text="Ett olagligt hot")
    removal.platform_action, removal.platform_error = PlatformAction.FAILED, "HTTP 500"
    removal.save(update_fields=["platform_action", "platform_error"])
    replied = open_case(org.account, text="När plogas Storgatan?")
    Reply.objects.create(case=replied, author=org.alice, text="I morgon.", signature="Alice", status="failed")
    HarvestState.objects.create(account=org.account, status=ConnectionStatus.NEEDS_RECONNECTION)
    Credential.objects.create(
        account=org.account,
        name="access_token",
        ciphertext="x",
        expires_at=timezone.now() + timedelta(days=3),
    )

    page = _page(client, org.alice)

    assert "Ett olagligt hot" in page and reverse("moderation:case", args=[removal.pk]) in page
    assert "När plogas Storgatan?" in page and reverse("moderation:case", args=[replied.pk]) in page
    assert reverse("accounts:credentials", args=[org.account.pk]) in page
    assert org.account.get_absolute_url() + "#harvest-status" in page


@pytest.mark.django_db
def test_another_departments_problems_are_not_shown(client, org):
    removal = open_case(org.other_account, text="Hemligt hot")
    removal.platform_action = PlatformAction.MANUAL
    removal.save(update_fields=["platform_action"])
    HarvestState.objects.create(account=org.other_account, status=ConnectionStatus.FAILING)

    page = _page(client, org.alice)

    assert "Hemligt hot" not in page
    assert str(org.other_account) not in page


@pytest.mark.django_db
def test_a_reply_published_after_a_failure_is_no_longer_a_problem(client, org):
    case = open_case(org.account, text="När plogas Storgatan?")
    Reply.objects.create(case=case, author=org.alice, text="I morgon.", signature="Alice", status="failed")
    Reply.objects.create(case=case, author=org.alice, text="I morgon.", signature="Alice", status="manual")

    assert "När plogas Storgatan?" not in _page(client, org.alice)


@pytest.mark.django_db
def test_an_account_not_harvested_within_twice_its_interval_is_an_outage(client, org):
    now = timezone.now()
    late = ServiceAccountFactory(department=org.own, display_name="Sen insamling")
    HarvestState.objects.create(
        account=late, interval=timedelta(minutes=15), last_success_at=now - timedelta(minutes=31)
    )
    on_time = ServiceAccountFactory(department=org.own, display_name="Insamling i tid")
    HarvestState.objects.create(
        account=on_time, interval=timedelta(minutes=15), last_success_at=now - timedelta(minutes=20)
    )

    page = _page(client, org.alice)

    assert "Sen insamling" in page
    assert "Insamling i tid" not in page


@pytest.mark.django_db
def test_the_dashboard_counts_harvest_outages_for_communicators_web_and_information_unit(client, org):
    HarvestState.objects.create(account=org.account, status=ConnectionStatus.FAILING)
    for user, expected in ((org.alice, 1), (org.web, 1), (org.info, 1), (org.charlie, 0)):
        client.force_login(user)
        cards = client.get(reverse("dashboard")).context["cards"]
        card = next(card for card in cards if card["url"] == reverse("problems") + "#harvest")
        assert card["count"] == expected, user.username
        assert card["alert"] is bool(expected)


@pytest.mark.django_db
def test_with_nothing_wrong_the_page_says_all_is_well(client, org):
    page = _page(client, org.charlie)
    assert 'class="empty"' in page
    assert "problem-kind" not in page


def test_the_problem_view_needs_a_login(client, db):
    response = client.get(reverse("problems"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
