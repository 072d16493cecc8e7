"""A failed reply or removal is visible where communicators look, in Swedish, with the detail folded."""

import pytest
from django.urls import reverse
from django.utils import translation

from moderation.models import CaseState, PlatformAction, Reply

from .conftest import open_case


def _get(client, user, url):
    client.force_login(user)
    with translation.override("sv"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()


@pytest.mark.django_db
def test_a_failed_reply_is_marked_in_the_inbox_list(client, org):
    failed = open_case(org.account, text="När plogas Storgatan?")
    Reply.objects.create(case=failed, author=org.alice, text="I morgon.", signature="Alice", status="failed")
    fine = open_case(org.account, text="Tack för plogningen!")

    page = _get(client, org.alice, reverse("moderation:inbox"))

    row_of = {
        case.pk: page.split(f'href="{reverse("moderation:case", args=[case.pk])}"')[1][:2000]
        for case in (failed, fine)
    }
    assert "Svaret publicerades inte" in row_of[failed.pk].split("</tr>")[0]
    assert "Svaret publicerades inte" not in row_of[fine.pk].split("</tr>")[0]


@pytest.mark.django_db
def test_a_failed_reply_says_what_to_do_in_swedish_and_folds_the_technical_detail(client, org):
    case = open_case(org.account, text="När plogas Storgatan?")
    Reply.objects.create(
        case=case,
        author=org.alice,
        text="I morgon.",
        signature="Alice",
        status="failed",
        error="mastodon: POST /api/v1/statuses: HTTP 503: upstream timed out",
    )

    page = _get(client, org.alice, reverse("moderation:case", args=[case.pk]))

    assert "tog inte emot svaret – försök igen eller svara direkt på plattformen" in page
    details = page.split('<details class="technical">')[1].split("</details>")[0]
    assert "HTTP 503: upstream timed out" in details
    assert "Teknisk information till supporten" in details


@pytest.mark.django_db
def test_a_removal_still_public_is_marked_in_the_inbox_list(client, org):
    case = open_case(org.account, text="Ett olagligt hot")
    case.state, case.platform_action = CaseState.REMOVED, PlatformAction.FAILED
    case.save(update_fields=["state", "platform_action"])
    manual = open_case(org.account, text="Ett annat hot")
    manual.state, manual.platform_action = CaseState.REMOVED, PlatformAction.MANUAL
    manual.save(update_fields=["state", "platform_action"])

    page = _get(client, org.alice, reverse("moderation:inbox"))

    assert "kommentaren är fortfarande synlig på plattformen" in page
    assert "Syns fortfarande på plattformen" in page


@pytest.mark.django_db
def test_an_address_from_a_platform_is_a_link_only_when_it_is_a_web_address(client, org):
    case = open_case(org.account, text="Klicka här", permalink="javascript:alert(document.cookie)")

    case_page = _get(client, org.alice, reverse("moderation:case", args=[case.pk]))
    record_page = _get(client, org.registrar, reverse("archive:record", args=[case.record_id]))

    for page in (case_page, record_page):
        assert 'href="javascript:' not in page
    assert "javascript:alert(document.cookie)" in record_page  # shown as text, for the record
