"""N8/N9 in a real browser: a communicator finds a hit in the monitoring list and sends it to the
head of department, who answers on the hit's page; only then can the response be written. The
pages have no accessibility violations."""

from moderation import monitoring
from moderation.models import HitState, MonitoringHit
from tests.e2e.conftest import CHROMIUM, axe_violations, log_in
from tests.moderation.test_monitoring import make_watch, serve_sources


def test_n9_a_monitoring_hit_through_discuss_with_manager(page, browser, live_server, org, httpserver):
    assert CHROMIUM
    serve_sources(httpserver)
    watch = make_watch(org, httpserver)
    monitoring.watch_run(watch_id=watch.pk)
    hit = MonitoringHit.objects.get(url__contains="kritik-forshagabron")

    log_in(page, "alice")
    page.wait_for_url("**/")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Omvärldsbevakning").click()
    page.wait_for_url("**/inkorg/bevakning/")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Ny bevakning").click()
    page.wait_for_url("**/inkorg/bevakning/ny/")
    page.get_by_label("Namn").fill("Bron")
    page.get_by_label("Ord och fraser").fill("Forshagabron")
    page.get_by_label("Nyhets- och bloggflöden (RSS/Atom)").fill("inte en adress")
    page.get_by_role("button", name="Spara").click()  # no source and a bad address: told in Swedish
    page.get_by_role("alert").wait_for()
    assert "Bevakningen sparades inte" in page.get_by_role("alert").inner_text()
    assert page.get_by_text("inte en adress är ingen webbadress").is_visible()
    assert axe_violations(page) == []
    page.goto("/inkorg/bevakning/")
    page.get_by_role("link", name="Kritik mot kommunen efter plogningen vid Forshagabron").click()
    page.wait_for_url(f"**/inkorg/bevakning/traff/{hit.pk}/")
    assert axe_violations(page) == []
    page.get_by_label("Vad vill du diskutera?").fill("Ska vi bemöta kritiken om gångbanan?")
    page.get_by_role("button", name="Diskutera med chefen").click()
    page.wait_for_url(f"**/inkorg/bevakning/traff/{hit.pk}/")
    assert page.get_by_role("heading", name="Väntar på chefen").is_visible()
    assert page.get_by_role("button", name="Spara svaret").count() == 0
    assert axe_violations(page) == []

    head = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", base_url=live_server.url)
    head_page = head.new_page()
    head_page.set_default_timeout(15_000)
    log_in(head_page, "hedda")
    head_page.wait_for_url("**/")
    head_page.goto(f"/inkorg/bevakning/traff/{hit.pk}/")
    assert axe_violations(head_page) == []
    head_page.get_by_label("Ditt svar").fill("Ja, svara sakligt och hänvisa till felanmälan.")
    head_page.get_by_role("button", name="Skicka svaret").click()
    head_page.wait_for_url(f"**/inkorg/bevakning/traff/{hit.pk}/")
    head.close()

    page.reload()
    assert page.get_by_role("blockquote").filter(has_text="Ja, svara sakligt").is_visible()
    page.locator("#id_text").fill("Tack för att ni hörde av er, gångbanan plogas i dag.")
    page.get_by_role("button", name="Spara svaret").click()
    page.wait_for_url(f"**/inkorg/bevakning/traff/{hit.pk}/")
    assert page.get_by_role("blockquote").filter(has_text="/Alice, Kommunikatör").is_visible()
    hit.refresh_from_db()
    assert hit.state == HitState.RESPONDED
    assert axe_violations(page) == []
