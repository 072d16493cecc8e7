"""A removal the platform refuses and a reply it does not accept, walked in the browser from the case
to the problem view and the dashboard count, in Swedish, with no accessibility violations."""

import re
from datetime import timedelta

from accounts import crypto
from accounts.models import Credential
from moderation import services
from moderation.models import Case, PlatformAction, Reply
from smgov.celery import app
from tests.e2e.conftest import axe_violations, log_in
from tests.factories import ServiceAccountFactory
from tests.moderation.conftest import PUBLISHED, open_case

EARLIER = PUBLISHED - timedelta(days=1)


def test_a_failed_removal_and_a_failed_reply_reach_the_problem_view_and_the_dashboard(page, org, httpserver):
    httpserver.expect_request(re.compile(".*")).respond_with_json(
        {"error": {"code": 2, "message": "Service temporarily unavailable", "is_transient": True}}, status=503
    )
    facebook = ServiceAccountFactory(
        department=org.own, platform="facebook", platform_id="page1", display_name="Exempelby på Facebook",
        api_base_url=httpserver.url_for("/"), admins=[org.alice, org.bob],
    )  # fmt: skip
    mastodon = ServiceAccountFactory(
        department=org.own, platform="mastodon", platform_id="1", display_name="Exempelby på Mastodon",
        api_base_url=httpserver.url_for("/"), admins=[org.alice, org.bob],
    )  # fmt: skip
    for account in (facebook, mastodon):
        Credential.objects.create(account=account, name="access_token", ciphertext=crypto.encrypt("t"))
    threat = open_case(facebook, text="Jag vet var du bor", author_name="Arg Person", platform_id="c_1")
    question = open_case(mastodon, text="När töms soporna?", author_name="Eva Fråga", platform_id="77")
    for _ in range(3):  # cases with nothing wrong, due sooner
        open_case(facebook, text="Tack för plogningen!", author_name="Nöjd Invånare", published_at=EARLIER)
    log_in(page, "alice")
    page.wait_for_url("**/")

    try:
        # The removal: done in smgov, refused by the platform (what the queued task runs).
        page.goto(f"/inkorg/arende/{threat.pk}/")
        page.locator("details:has(#id_ground) > summary").click()
        page.locator("#id_ground").select_option("unlawful_threat")
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("form[action$='/ta-bort/'] button[type=submit]").click()
        page.wait_for_url(f"**/inkorg/arende/{threat.pk}/")
        # Until the platform answers, the case says the removal is under way, not that it is done.
        facts = page.locator(".case-facts")
        assert facts.get_by_text("Borttagning pågår").is_visible()
        services.case_hide_run(case_id=threat.pk)
        assert Case.objects.get(pk=threat.pk).platform_action == PlatformAction.FAILED
        page.reload()
        failed = "Borttagningen misslyckades — kommentaren är fortfarande synlig på plattformen"
        assert facts.get_by_text(failed).is_visible()
        assert page.get_by_role("button", name="Försök ta bort den igen").is_visible()
        assert page.get_by_role("button", name="Klart: borttagen på plattformen").is_visible()
        assert axe_violations(page) == []

        # The reply: written and sent, not accepted by the platform.
        page.goto(f"/inkorg/arende/{question.pk}/")
        page.locator("#id_text").fill("Hej Eva! På tisdag.")
        page.locator("#svara button[type=submit]:not([name=use_saved])").click()
        page.wait_for_url(f"**/inkorg/arende/{question.pk}/")
        services.reply_publish_run(reply_id=Reply.objects.get(case=question).pk)
        page.reload()
        assert page.get_by_text(
            "tog inte emot svaret – försök igen eller svara direkt på plattformen"
        ).is_visible()
        assert not page.get_by_text("Service temporarily unavailable").is_visible()  # folded away
        assert axe_violations(page) == []

        # The inbox puts both first, marked: the failed removal and the failed reply.
        page.goto("/inkorg/")
        first_two = page.locator(".inbox-table tbody tr").filter(has=page.locator(".badge--alert"))
        assert page.locator(".inbox-table tbody tr").nth(0).locator(".badge--alert").count() >= 1
        assert page.locator(".inbox-table tbody tr").nth(1).locator(".badge--alert").count() >= 1
        assert first_two.filter(has_text=failed).count() == 1
        assert page.get_by_text("Svaret publicerades inte").first.is_visible()

        # The problem view lists both, each with its next step.
        page.get_by_role("link", name="Problem", exact=True).click()
        page.wait_for_url("**/problem/")
        assert page.get_by_role(
            "heading", name=re.compile("Borttagna kommentarer som fortfarande syns")
        ).is_visible()
        assert page.get_by_role("heading", name=re.compile("Svar som inte kunde publiceras")).is_visible()
        page.get_by_role("link", name="Försök igen eller svara").click()
        page.wait_for_url(f"**/inkorg/arende/{question.pk}/")
        page.go_back()
        assert axe_violations(page) == []

        # And the dashboard counts them.
        page.goto("/")
        card = page.locator(".card", has_text="Problem att åtgärda")
        assert card.locator(".card__figure").inner_text() == "2"
    finally:
        app.control.purge()  # the tasks the pages queued: this test ran them itself
