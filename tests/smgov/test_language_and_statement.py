"""Swedish for everyone, English only by choice; the accessibility statement on every page."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse


def test_a_browser_asking_for_english_still_gets_swedish(client, db):
    html = client.get(reverse("accounts:public_list"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="sv">' in html
    assert "Våra konton i sociala medier" in html
    assert "Our social media accounts" not in html


def test_english_when_chosen_with_the_switch_and_remembered(client, db):
    page = reverse("accounts:public_list")
    response = client.post(reverse("set_language"), {"language": "en", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(page).content.decode()
    assert '<html lang="en">' in html and "Our social media accounts" in html
    assert client.get(reverse("accessibility")).content.decode().count("Accessibility statement") >= 2
    client.post(reverse("set_language"), {"language": "sv", "next": page})
    assert "Våra konton i sociala medier" in client.get(page).content.decode()


def test_the_switch_is_a_form_on_every_page(client, org):
    pages = [client.get(reverse("login"))]
    client.force_login(org.alice)
    pages += [client.get(reverse("dashboard")), client.get(reverse("accounts:public_list"))]
    for response in pages:
        url = response.request["PATH_INFO"]
        html = response.content.decode()
        assert f'action="{reverse("set_language")}"' in html, url
        assert 'name="language"' in html and 'value="en"' in html


def test_the_accessibility_statement_is_public_swedish_and_linked_from_every_page(client, org):
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Tillgänglighetsredogörelse</h1>" in html
    assert "Myndigheten för digital förvaltning (Digg)" in html
    assert f"mailto:{settings.ACCESSIBILITY_CONTACT}" in html
    assert "1 december 2026" in html
    for url in (reverse("accounts:public_list"), reverse("login")):
        assert f'href="{reverse("accessibility")}"' in client.get(url).content.decode()
    client.force_login(org.registrar)
    assert f'href="{reverse("accessibility")}"' in client.get(reverse("dashboard")).content.decode()


def test_every_page_has_a_favicon(client, db):
    html = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
    assert finders.find("favicon.svg")
