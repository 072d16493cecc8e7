"""A communicator answers one comment with a signed reply and removes another on a legal ground,
from the inbox, in a real browser; the inbox and case pages have no accessibility violations."""

from moderation.models import Case, CaseState, Reply
from registry.models import RegistrationRequest
from tests.e2e.conftest import assert_cells_fit, axe_violations, log_in
from tests.factories import ServiceAccountFactory
from tests.moderation.conftest import open_case


def test_comment_through_signed_reply_and_another_through_removal(page, org):
    account = ServiceAccountFactory(
        department=org.own, platform="bluesky", display_name="Exempelby skola", admins=[org.alice, org.bob]
    )
    question = open_case(account, text="När börjar höstterminen?", author_name="Eva Fråga")
    threat = open_case(account, text="Jag vet var du bor", author_name="Arg Person")

    log_in(page, "alice")
    page.wait_for_url("**/")
    page.goto("/inkorg/")
    assert page.locator("h1").inner_text()
    assert axe_violations(page) == []

    # the reply: open the case from the inbox, write, send; the platform has no reply API
    page.get_by_role("link", name="Eva Fråga").click()
    page.wait_for_url(f"**/inkorg/arende/{question.pk}/")
    assert axe_violations(page) == []
    page.locator("#id_text").fill("Hej Eva! Höstterminen börjar den 18 augusti.")
    page.locator("#svara button[type=submit]:not([name=use_saved])").click()
    page.wait_for_url(f"**/inkorg/arende/{question.pk}/")
    reply = Reply.objects.get(case=question)
    assert reply.signature == "/Alice, Kommunikatör"
    assert page.get_by_text("/Alice, Kommunikatör").first.is_visible()
    page.locator("#id_permalink").fill("https://bsky.app/profile/skola/post/abc")
    page.locator("form.reply__manual button[type=submit]").click()
    page.wait_for_url(f"**/inkorg/arende/{question.pk}/")
    question.refresh_from_db()
    assert question.state == CaseState.ANSWERED

    # the removal, with a ground and the confirmation accepted
    page.goto("/inkorg/")
    page.get_by_role("link", name="Arg Person").click()
    page.wait_for_url(f"**/inkorg/arende/{threat.pk}/")
    assert page.locator("mark").first.inner_text() == "vet var du bor"
    page.locator("details:has(#id_ground) > summary").click()
    page.locator("#id_ground").select_option("unlawful_threat")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action$='/ta-bort/'] button[type=submit]").click()
    page.wait_for_url(f"**/inkorg/arende/{threat.pk}/")
    threat = Case.objects.select_related("record").get(pk=threat.pk)
    assert threat.state == CaseState.REMOVED
    assert threat.record.removal_ground == "unlawful_threat" and threat.record.removed_by == org.alice
    assert RegistrationRequest.objects.filter(record=threat.record).exists()
    assert axe_violations(page) == []


def test_f15_communicator_notes_consent_for_a_photo_post_in_the_browser(page, org):
    from moderation.models import PhotoConsent
    from tests.moderation.test_photo_consent import ingest_photo_post

    post = ingest_photo_post(org.account)

    log_in(page, "alice")
    page.wait_for_url("**/")
    page.get_by_role("link", name="Anteckna samtycken").click()
    page.wait_for_url("**/inkorg/samtycke/")
    assert axe_violations(page) == []
    item = page.locator(f"#post-{post.pk}")
    item.get_by_label("De som känns igen har samtyckt").check()
    item.get_by_role("button", name="Spara anteckningen").click()
    # Consent without saying where it is kept is refused, with the reason in the form.
    page.get_by_role("alert").wait_for()
    assert "Ange var samtycket finns sparat" in page.get_by_role("alert").inner_text()
    assert axe_violations(page) == []
    page.get_by_label("De som känns igen har samtyckt").check()
    page.get_by_label("Kommentar").fill("Blankett i KS 2026/41")
    page.get_by_role("button", name="Spara anteckningen").click()
    page.wait_for_url("**/inkorg/samtycke/")
    assert page.get_by_text("Alla inlägg med bilder har en samtyckesanteckning.").is_visible()
    assert PhotoConsent.objects.get(record=post).note == "Blankett i KS 2026/41"


def test_n12_a_saved_reply_goes_in_at_the_cursor_and_keeps_what_was_typed(page, org):
    account = ServiceAccountFactory(department=org.own, platform="bluesky", admins=[org.alice, org.bob])
    question = open_case(account, text="Var hittar jag skolans lovdagar?", author_name="Eva Fråga")
    log_in(page, "alice")
    page.wait_for_url("**/")
    page.goto(f"/inkorg/arende/{question.pk}/")
    reply = page.locator("#id_text")
    reply.fill("Tack för frågan!")
    page.get_by_text("Sparade svar").click()
    page.locator("button[name=use_saved]").first.click()
    text = reply.input_value()
    assert text.startswith("Tack för frågan!\n\nHej Eva!")
    assert page.url.endswith(f"/inkorg/arende/{question.pk}/")  # no reload, nothing sent
    assert not Reply.objects.filter(case=question).exists()
    assert axe_violations(page) == []


def test_on_a_phone_each_case_shows_its_state_handler_and_deadline_without_sideways_scrolling(page, org):
    account = ServiceAccountFactory(department=org.own, platform="bluesky", admins=[org.alice, org.bob])
    for number in range(3):
        open_case(account, text=f"Fråga nummer {number} om skolskjutsen " * 5, author_name=f"Person {number}")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "alice")
    page.wait_for_url("**/")
    page.goto("/inkorg/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_cells_fit(page.locator(".inbox-table tbody tr").first, ("Status", "Handläggare", "Svara senast"))
    assert axe_violations(page) == []
