"""Publishing in a real browser: a communicator composes a post (the live counter counts as Mastodon
does), confirms what the screening found, sends it for review; a colleague approves it; the post is
published on the local Mastodon-shaped server and archived. The compose page has no accessibility
violations."""

from moderation import publishing
from moderation.models import PostDraft, PostTarget
from tests.e2e.conftest import CHROMIUM, axe_violations, log_in
from tests.moderation.test_post_publishing import Instance, point_at

TEXT = "Isbanan på torget öppnar i helgen! Ring 070-123 45 67 om ni vill boka den för en skolklass."


def test_n5_composing_reviewing_and_publishing_a_post(
    page, browser, live_server, org, httpserver, settings, tmp_path
):
    assert CHROMIUM
    settings.MEDIA_ROOT = tmp_path / "media"
    instance = Instance(httpserver)
    point_at(org.account, instance)

    log_in(page, "alice")
    page.wait_for_url("**/")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Publicera").click()
    page.wait_for_url("**/inkorg/publicera/")
    assert page.get_by_text("Inga inlägg än.").is_visible()
    page.get_by_role("link", name="Nytt inlägg").click()
    page.wait_for_url("**/inkorg/publicera/ny/")
    assert axe_violations(page) == []
    page.get_by_label(f"{org.account.display_name} (Mastodon)").check()
    page.locator("#id_text").fill(TEXT + " https://www.norrvik.se/isbanan")
    # The counter counts as Mastodon does: the link is 23 characters whatever its length.
    assert page.locator("#id_text_counter").inner_text() == f"{len(TEXT) + 1 + 23} av 500 tecken"
    page.get_by_role("button", name="Spara utkastet").click()
    page.wait_for_url("**/inkorg/publicera/*/")
    draft = PostDraft.objects.get()
    assert axe_violations(page) == []

    assert page.get_by_text("Granskningen hittade personuppgifter").is_visible()
    page.get_by_role("button", name="Får publiceras: 070-123 45 67").click()
    page.wait_for_url(f"**/inkorg/publicera/{draft.pk}/")
    page.get_by_label("Granskare").select_option(label="Bob Berg, Kommunikatör")
    page.get_by_role("button", name="Skicka för granskning").click()
    page.wait_for_url(f"**/inkorg/publicera/{draft.pk}/")
    assert page.get_by_text("Väntar på att Bob Berg granskar inlägget.").is_visible()

    reviewer = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", base_url=live_server.url)
    reviewer_page = reviewer.new_page()
    reviewer_page.set_default_timeout(15_000)
    log_in(reviewer_page, "bob")
    reviewer_page.wait_for_url("**/")
    reviewer_page.goto("/inkorg/publicera/")
    reviewer_page.get_by_role("region", name="Väntar på din granskning").get_by_role("link").click()
    reviewer_page.wait_for_url(f"**/inkorg/publicera/granska/{draft.pk}/")
    assert axe_violations(reviewer_page) == []
    reviewer_page.get_by_label("Godkänn").check()
    reviewer_page.get_by_role("button", name="Spara granskningen").click()
    reviewer_page.wait_for_url(f"**/inkorg/publicera/granska/{draft.pk}/")
    assert reviewer_page.get_by_text("Granskat. Inlägget är nu: Godkänt.").is_visible()
    reviewer.close()

    page.reload()
    page.get_by_role("button", name="Publicera nu").click()
    page.wait_for_url(f"**/inkorg/publicera/{draft.pk}/")
    # The task runs after commit; here in the test's own process, as a worker would.
    target = PostTarget.objects.get(draft=draft)
    publishing.post_target_publish_run(target_id=target.pk)
    page.reload()
    assert page.get_by_role("link", name="Handlingen i arkivet").is_visible()
    assert axe_violations(page) == []
    (posted,) = instance.posted
    assert "070-123 45 67" in posted["content"] and "https://www.norrvik.se/isbanan" in posted["content"]
