"""Nothing stuck: an item PostgreSQL cannot hold as it is (NUL, lone surrogates, a 1 MB name) is stored
reversibly and whole, and never blocks the rest of its page, the cursor or the cases."""

import json

import pytest

from archive.models import Record, SourceResponse
from archive.storable import unescape
from harvest.models import HarvestRun
from harvest.tasks import run_account
from moderation.models import Case

from .conftest import POST_WITH_COMMENTS

pytestmark = pytest.mark.usefixtures("media_root", "fast_retries")

NUL_TEXT = "<p>Hej\x00 kommunen</p>"
SURROGATE_NAME = "Eva \ud800 Ek"
LONG_NAME = "Å" * 1_000_000


def _comment(template, status_id, *, content=None, display_name=None):
    comment = json.loads(json.dumps(template))
    comment["id"] = status_id
    comment["uri"] = comment["url"] = f"https://mastodon.example/@x/{status_id}"
    if content is not None:
        comment["content"] = content
    if display_name is not None:
        comment["account"]["display_name"] = display_name
    return comment


def test_hostile_text_is_stored_reversibly_and_the_page_goes_on(mastodon_account, mastodon):
    context = mastodon.contexts[POST_WITH_COMMENTS]
    template = context["descendants"][0]
    context["descendants"] = [
        _comment(template, "113529000000000001", content=NUL_TEXT),
        _comment(template, "113529000000000002", display_name=SURROGATE_NAME),
        _comment(template, "113529000000000003", display_name=LONG_NAME),
        _comment(template, "113529000000000004", content="<p>Mitt personnummer är 19121212-1212</p>"),
    ]

    result = run_account.apply(args=[mastodon_account.pk])

    assert result.result == "succeeded"
    nul = Record.objects.get(platform_id="113529000000000001")
    assert nul.escaped and unescape(nul.text) == NUL_TEXT
    surrogate = Record.objects.get(platform_id="113529000000000002")
    assert surrogate.escaped and unescape(surrogate.author_name) == SURROGATE_NAME
    long = Record.objects.get(platform_id="113529000000000003")
    assert long.author_name == LONG_NAME and not long.escaped  # kept whole, not cut
    # The comment with a personal identity number on the same page got its case and flag.
    case = Case.objects.get(record__platform_id="113529000000000004")
    assert case.has_personal_data
    # The response the page came from is kept exactly as received, NUL and all.
    source = SourceResponse.objects.get(url__contains=f"{POST_WITH_COMMENTS}/context")
    assert b"\\u0000" in bytes(source.body)
    run = HarvestRun.objects.get(account=mastodon_account)
    assert run.items_failed == 0 and run.warnings == []


def test_an_item_the_database_still_refuses_is_a_failure_on_the_run_not_a_stuck_page(
    mastodon_account, mastodon
):
    context = mastodon.contexts[POST_WITH_COMMENTS]
    template = context["descendants"][0]
    context["descendants"] = [
        _comment(template, "9" * 400),  # an id longer than any platform's: the database refuses it
        _comment(template, "113529000000000004", content="<p>Mitt personnummer är 19121212-1212</p>"),
    ]

    assert run_account.apply(args=[mastodon_account.pk]).result == "succeeded"

    run = HarvestRun.objects.get(account=mastodon_account)
    assert run.items_failed == 1
    assert any("9" * 50 in warning for warning in run.warnings)  # names the item and why
    assert Case.objects.get(record__platform_id="113529000000000004").has_personal_data
    # The next run is not stuck on that page: it goes through and stores nothing twice.
    assert run_account.apply(args=[mastodon_account.pk]).result == "succeeded"
    assert Record.objects.filter(platform_id="113529000000000004").count() == 1
