"""N21, F14: the first harvest of an account that was in use before brings its history. Comments older
than the account's promised response time times HARVEST_HISTORICAL_FACTOR are archived and
searchable but open no inbox case (it would be overdue on arrival); personal data in them is listed
for the department's communicators under "Personuppgifter i äldre inlägg". Served by the local
Mastodon server from tests/fixtures/mastodon/context_history.json."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from archive.models import Record
from harvest import services
from moderation.models import Case, OlderItemFlag

from .conftest import POST_WITH_COMMENTS

pytestmark = pytest.mark.usefixtures("media_root")

OLD = {"113520500000000021", "113520600000000022", "113520700000000023"}
WITH_PERSONAL_ID, NEW = "113520600000000022", "113520800000000024"


@pytest.fixture
def history(mastodon, settings):
    """Three comments from 2024 and one written an hour ago, on the account's newest post."""
    settings.HARVEST_HISTORICAL_FACTOR = 3
    context = mastodon.load("context_history.json")
    new = next(status for status in context["descendants"] if status["id"] == NEW)
    new["created_at"] = (timezone.now() - timedelta(hours=1)).isoformat(timespec="milliseconds")
    mastodon.contexts[POST_WITH_COMMENTS] = context
    return context


def test_n21_a_first_harvest_opens_cases_only_for_comments_not_yet_overdue(mastodon_account, history):
    run = services.harvest_account(account_id=mastodon_account.pk)

    assert run.status == "succeeded", run.error
    assert set(Record.objects.filter(platform_id__in=OLD | {NEW}).values_list("platform_id", flat=True)) == (
        OLD | {NEW}
    )
    case = Case.objects.get(account=mastodon_account)
    assert case.record.platform_id == NEW
    assert case.deadline > timezone.now()  # not overdue on arrival
    flags = OlderItemFlag.objects.filter(record__platform_id=WITH_PERSONAL_ID)
    assert [(flag.kind, flag.matched) for flag in flags] == [("personal_id", "19121212-1212")]
    assert not OlderItemFlag.objects.exclude(record__platform_id=WITH_PERSONAL_ID).exists()


def test_f14_personal_data_in_older_comments_is_listed_for_the_departments_communicators(
    client, org, mastodon_account, history
):
    services.harvest_account(account_id=mastodon_account.pk)
    client.force_login(org.alice)

    inbox = client.get(reverse("moderation:inbox")).content.decode()
    assert reverse("moderation:older_personal_data") in inbox
    assert "Personuppgifter i äldre inlägg" in inbox
    page = client.get(reverse("moderation:older_personal_data")).content.decode()
    assert "19121212-1212" in page and "Karin Lund" in page
    assert "Storgatan" not in page  # an old comment without personal data is not listed
    assert "1 äldre kommentar med personuppgifter" in page

    client.force_login(org.charlie)  # another department's communicator
    page = client.get(reverse("moderation:older_personal_data")).content.decode()
    assert "19121212-1212" not in page
    assert "Inga personuppgifter hittades i äldre kommentarer." in page

    client.force_login(org.registrar)  # no inbox
    assert client.get(reverse("moderation:older_personal_data")).status_code == 403


def test_n20_older_comments_are_archived_and_searchable(client, org, mastodon_account, history):
    services.harvest_account(account_id=mastodon_account.pk)
    client.force_login(org.registrar)

    response = client.get(reverse("archive:search"), {"q": "Storgatan plogad"})

    assert response.status_code == 200
    assert "Bussen kom inte fram" in response.content.decode()


def test_n21_later_harvests_open_cases_for_every_new_comment(mastodon_account, mastodon, settings):
    settings.HARVEST_HISTORICAL_FACTOR = 3
    settings.HARVEST_REPOLL_DAYS = 10_000  # the recorded posts are from 2024
    mastodon.contexts[POST_WITH_COMMENTS] = {"ancestors": [], "descendants": []}
    services.harvest_account(account_id=mastodon_account.pk)
    mastodon.contexts[POST_WITH_COMMENTS] = mastodon.load("context_history.json")

    services.harvest_account(account_id=mastodon_account.pk)

    assert Case.objects.filter(account=mastodon_account).count() == 4
    assert not OlderItemFlag.objects.exists()
