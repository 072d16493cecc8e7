"""403, 404 and 500 are Swedish pages in the site's layout; a 403 says why and whom to ask."""

import pytest
from django.db import connection
from django.urls import path, reverse

from smgov import urls as smgov_urls
from smgov import views as smgov_views


def boom(request):
    raise RuntimeError("the database went away")


urlpatterns = [path("trasig/", boom), *smgov_urls.urlpatterns]
handler403 = smgov_urls.handler403
handler500 = smgov_urls.handler500


def test_403_is_a_swedish_page_saying_why_and_whom_to_ask(org, client):
    client.force_login(org.alice)
    response = client.get(reverse("registry:diary"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "Du får inte öppna den här sidan" in body
    assert "Dina roller: Kommunikatör" in body
    assert "be din förvaltningschef, Hedda Holm, att be informationsenheten" in body
    assert 'class="main-nav"' in body and "Alice Andersson" in body  # the site's layout


def test_404_is_a_swedish_page_in_the_layout(org, client):
    client.force_login(org.info)
    response = client.get(reverse("accounts:detail", args=[999999]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "Sidan finns inte" in body and 'class="main-nav"' in body
    anonymous = client.__class__().get("/finns-inte/")
    assert anonymous.status_code == 404 and "Sidan finns inte" in anonymous.content.decode()


@pytest.mark.urls(__name__)
def test_500_is_a_swedish_page_that_needs_no_request_context(org, client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    client.force_login(org.alice)
    response = client.get("/trasig/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Något gick fel hos oss" in body and "Exempelby kommun" in body
    # Rendered without context processors: no query, not even for the person or the menu.
    request = type("Broken", (), {"user": property(lambda self: 1 / 0)})()
    queries = len(connection.queries)
    direct = smgov_views.server_error(request)
    assert direct.status_code == 500 and "Något gick fel hos oss" in direct.content.decode()
    assert len(connection.queries) == queries
