"""Hostile content from a platform is archived exactly (or reversibly, where PostgreSQL cannot hold it),
never stops the rest of its page, and never runs or links anywhere in the pages that show it.

The corpus is a Mastodon thread under tests/fixtures/mastodon/hostile_context.json (script tags, event
handlers, ``javascript:`` and ``data:`` addresses, SVG and MathML, NUL and control characters, lone
surrogates, right-to-left overrides, zero-width characters, emoji sequences, template and SQL syntax,
in the text, the author's name and the comment's address), plus a post of the account with a script in
it and two comments of 1 MB: one text, one name. It is harvested through the real connector from a
local server, then every page that shows it is opened in Chromium.
"""

import json
import re

import pytest

from archive.models import Record
from archive.storable import unescape
from harvest.models import HarvestRun
from harvest.tasks import run_account
from moderation.models import Case
from registry.models import RegistrationRequest
from tests.e2e.conftest import log_in
from tests.harvest.conftest import ACCOUNT_ID, FIXTURES, POST_WITH_COMMENTS, MastodonServer

pytestmark = pytest.mark.browser

PWN = "window.__pwned=1"
POST_HTML = (
    f'<p>Vinterväghållning i kommunen</p><script>{PWN};alert("post")</script><img src=x onerror="{PWN}">'
)
LONG_TEXT = "<p>" + "Lång text om snöröjningen på Storgatan. " * 25_000 + f"<script>{PWN}</script></p>"
LONG_NAME = "Namnlös " * 125_000
LONG_TEXT_ID = "113529000000000201"
LONG_NAME_ID = "113529000000000202"
# Every attribute through which a page could go to an address, and the schemes that could script.
UNSAFE_ADDRESSES = """() => {
  const found = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      if (!/^(href|src|action|formaction|xlink:href|data|poster|background)$/i.test(attribute.name)) continue;
      const value = attribute.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (value.startsWith('javascript:') || value.startsWith('data:') || value.startsWith('vbscript:')) {
        found.push(element.tagName + ' ' + attribute.name + '=' + attribute.value.slice(0, 80));
      }
    }
  }
  return found;
}"""


@pytest.fixture(autouse=True)
def _roles(transactional_db):
    """The role groups come from a data migration, which a flush between browser tests removes."""
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    from accounts.roles import Role

    ContentType.objects.clear_cache()
    for role in Role.values:
        Group.objects.get_or_create(name=role)


def corpus() -> list[dict]:
    return json.loads((FIXTURES / "mastodon" / "hostile_context.json").read_text("utf-8"))["descendants"]


def long_comment(template: dict, status_id: str, **changes) -> dict:
    comment = json.loads(json.dumps(template))
    comment.update(id=status_id, uri=f"https://social.example/@long/statuses/{status_id}")
    comment["url"] = comment["uri"]
    content = changes.pop("content", None)
    if content:
        comment["content"] = content
    comment["account"] = dict(comment["account"], id=f"9{status_id}", **changes)
    return comment


@pytest.fixture
def harvested(org, httpserver, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HARVEST_HTTP_RETRIES = 1
    server = MastodonServer(httpserver)
    hostile = corpus()
    post = next(s for s in server.statuses[0] if s["id"] == POST_WITH_COMMENTS)
    post["content"] = POST_HTML
    server.contexts[POST_WITH_COMMENTS] = {
        "ancestors": [],
        "descendants": [
            *hostile,
            long_comment(hostile[0], LONG_TEXT_ID, content=LONG_TEXT, display_name="Lång Text"),
            long_comment(hostile[0], LONG_NAME_ID, display_name=LONG_NAME),
        ],
    }
    account = org.account
    account.platform, account.platform_id, account.handle = "mastodon", ACCOUNT_ID, "norrvikskommun"
    account.api_base_url = server.base_url
    account.save()

    assert run_account.apply(args=[account.pk]).result == "succeeded"
    return hostile


def stored(value: str, escaped: bool) -> str:
    return unescape(value) if escaped else value


def test_the_hostile_corpus_is_archived_exactly_and_no_page_that_shows_it_runs_it(harvested, org, page):
    # Archived exactly, or reversibly where PostgreSQL cannot hold the text as it is.
    for status in harvested:
        record = Record.objects.get(platform_id=status["id"])
        assert stored(record.text, record.escaped) == status["content"], status["id"]
        assert stored(record.author_name, record.escaped) == status["account"]["display_name"]
        assert record.permalink == status["url"]
    assert Record.objects.get(platform_id=POST_WITH_COMMENTS).text == POST_HTML
    assert Record.objects.get(platform_id=LONG_TEXT_ID).text == LONG_TEXT
    assert Record.objects.get(platform_id=LONG_NAME_ID).author_name == LONG_NAME
    # The rest of the page was stored, and every comment has its case.
    assert Record.objects.filter(platform_id="113510000000000002").exists()
    hostile_ids = [s["id"] for s in harvested] + [LONG_TEXT_ID, LONG_NAME_ID]
    cases = {c.record.platform_id: c for c in Case.objects.select_related("record")}
    assert set(hostile_ids) <= set(cases)
    run = HarvestRun.objects.get(account=org.account)
    assert run.items_failed == 0
    records = {r.platform_id: r for r in Record.objects.filter(platform_id__in=hostile_ids)}
    for record in records.values():
        RegistrationRequest.objects.create(
            record=record, reason=RegistrationRequest.Reason.OTHER, requested_by=org.alice
        )

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    def check(path: str) -> None:
        page.goto(path)
        page.wait_for_load_state("load")
        assert page.locator("h1").count() == 1, path  # the page is whole, not cut off by a stray tag
        assert page.evaluate("() => window.__pwned") is None, path
        assert page.evaluate(UNSAFE_ADDRESSES) == [], path
        assert dialogs == [], path

    def top_of(selector: str) -> float:
        box = page.locator(selector).first.bounding_box()
        assert box is not None, selector
        return box["y"]

    def assert_within_reach(selector: str, baseline: float) -> None:
        """What the person came to do is at most a screen further down than beside a short text, not a
        megabyte further down."""
        assert top_of(selector) < baseline + page.viewport_size["height"], page.url

    log_in(page, "alice")
    page.wait_for_url("**/")
    check("/inkorg/")
    assert page.get_by_text("Robert'); DROP TABLE moderation_case;--").count() == 1
    assert page.evaluate("() => document.documentElement.scrollHeight") < 20_000  # the 1 MB name is cut
    check(cases[harvested[0]["id"]].get_absolute_url())
    reply_form = top_of("#svara")
    for platform_id in hostile_ids:
        check(cases[platform_id].get_absolute_url())
        assert_within_reach("#svara", reply_form)
    # The words around the first comment's script are shown; the script is not run.
    page.goto(cases[harvested[0]["id"]].get_absolute_url())
    assert page.locator(".comment-text").inner_text().split() == ["Hej", "kommunen", "slut"]
    # The 1 MB text is folded, and opens on request.
    page.goto(cases[LONG_TEXT_ID].get_absolute_url())
    assert not page.locator(".comment-text").is_visible()
    page.locator("details.long-text > summary").click()
    assert page.locator(".comment-text").is_visible()
    assert page.evaluate("() => window.__pwned") is None

    page.context.clear_cookies()
    log_in(page, "rita")
    page.wait_for_url("**/")
    for query in ("tecken", "länk", "kommunen", "snöröjningen", "DROP"):
        check(f"/arkiv/?q={query}")
        assert page.locator(".archive-hit").count() >= 1, query
    check(f"/arkiv/handling/{records[harvested[0]['id']].pk}/")
    facts = top_of("#facts-heading")
    for platform_id in [*hostile_ids, POST_WITH_COMMENTS]:
        record = records.get(platform_id) or Record.objects.get(platform_id=platform_id)
        check(f"/arkiv/handling/{record.pk}/")
        assert_within_reach("#facts-heading", facts)
    page.goto(f"/arkiv/handling/{records[LONG_NAME_ID].pk}/")
    assert not page.locator(".long-text__full").is_visible()
    check("/arkiv/diarium/")
    queue_height = page.evaluate("() => document.documentElement.scrollHeight")
    assert page.locator(".queue__item").count() >= 10
    assert queue_height < 20 * page.viewport_size["height"]  # the 1 MB text and name are folded
    long_item = page.locator(".queue__item", has=page.locator("details.long-text"))
    assert long_item.count() >= 1
    assert re.search(r"Visa hela texten \(\d+ tecken\)", long_item.first.inner_text())
