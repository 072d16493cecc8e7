"""F4, F8, N7, N22: the public listing of every active account, as a page and as open data."""

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from accounts import selectors, services
from accounts.models import AccountState
from tests.factories import ServiceAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(org):
    org.account.display_name = "Exempelby kommun – Skolan"
    org.account.response_time = timedelta(hours=48)
    org.account.response_time_text = "Vi svarar inom två vardagar."
    org.account.save()
    org.child = ServiceAccountFactory(
        department=org.own,
        display_name="Exempelby kommun – Fritids",
        parent=org.account,
        platform="instagram",
    )
    org.hidden = {
        state: ServiceAccountFactory(department=org.own, display_name=f"Dolt {state}", state=state)
        for state in (
            AccountState.REQUESTED,
            AccountState.RETURNED,
            AccountState.REJECTED,
            AccountState.APPROVED,
            AccountState.PAUSED,
            AccountState.RETIRED,
        )
    }
    return org


def test_f4_public_page_lists_active_accounts_grouped_by_department_without_login(client, listing):
    response = client.get(reverse("accounts:public_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Exempelby kommun – Skolan" in html and listing.other_account.display_name in html
    for account in listing.hidden.values():
        assert account.display_name not in html
    assert html.index(listing.own.name) < html.index("Exempelby kommun – Skolan")
    assert "<script>" not in html and "style=" not in html


def test_f8_response_time_is_shown_publicly(client, listing):
    html = client.get(reverse("accounts:public_list")).content.decode()
    assert "Vi svarar inom två vardagar." in html
    data = json.loads(client.get(reverse("accounts:public_json")).content)
    own = next(item for item in data["accounts"] if item["id"] == listing.account.pk)
    assert own["response_time_hours"] == 48
    assert own["response_time_text"] == "Vi svarar inom två vardagar."


def test_n22_every_account_carries_the_bulletin_board_notice(client, listing, settings):
    html = client.get(reverse("accounts:public_list")).content.decode()
    accounts = selectors.public_listing()
    assert html.count('class="public-account__notice"') == len(accounts) == 3
    assert f"{settings.MUNICIPALITY_NAME}, {listing.own.name}" in html
    assert "1998:112" in html
    for ground in ("uppvigling", "hets mot folkgrupp", "olaga hot", "upphovsrättsintrång"):
        assert ground in html
    assert f'href="{settings.MUNICIPALITY_WEBSITE}"' in html and 'href="#contact"' in html


def test_n7_parent_and_children_are_linked(client, listing):
    html = client.get(reverse("accounts:public_list")).content.decode()
    assert f'href="#konto-{listing.account.pk}"' in html
    assert f'href="#konto-{listing.child.pk}"' in html
    child = next(item for item in selectors.public_listing() if item["id"] == listing.child.pk)
    assert child["parent_id"] == listing.account.pk


def test_n7_parent_that_is_not_active_is_not_shown(listing):
    services.account_pause(actor=listing.alice, account=listing.account)
    child = next(item for item in selectors.public_listing() if item["id"] == listing.child.pk)
    assert child["parent_id"] is None


def test_f4_json_is_open_data_with_stable_fields(client, listing):
    response = client.get(reverse("accounts:public_json"))
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    assert data["count"] == 3
    item = next(item for item in data["accounts"] if item["id"] == listing.account.pk)
    assert set(item) == {
        "id", "name", "platform", "platform_name", "handle", "url", "department", "department_code",
        "municipality", "purpose", "target_audience", "response_time_hours", "response_time_text",
        "parent_id", "parent_name", "active_since", "updated_at", "children",
    }  # fmt: skip
    assert item["children"] == [listing.child.pk]
    assert datetime.fromisoformat(item["updated_at"]).tzinfo is not None
    assert datetime.fromisoformat(data["generated_at"]).tzinfo is not None


def test_f4_csv_has_header_and_bom_for_excel(client, listing):
    response = client.get(reverse("accounts:public_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert {row["name"] for row in rows} >= {"Exempelby kommun – Skolan", "Exempelby kommun – Fritids"}
    assert next(row for row in rows if row["id"] == str(listing.account.pk))["response_time_hours"] == "48.0"


def test_f4_listing_is_cached_and_refreshed_when_an_account_changes(
    client, listing, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client.get(reverse("accounts:public_json"))
    with django_assert_num_queries(0):
        selectors.public_listing()
    with django_capture_on_commit_callbacks(execute=True):
        services.account_pause(actor=listing.alice, account=listing.account)
    names = [
        item["name"] for item in json.loads(client.get(reverse("accounts:public_json")).content)["accounts"]
    ]
    assert "Exempelby kommun – Skolan" not in names
    with django_capture_on_commit_callbacks(execute=True):
        services.account_resume(actor=listing.alice, account=listing.account)
    assert "Exempelby kommun – Skolan" in reverse_names(client)


def reverse_names(client):
    return [
        item["name"] for item in json.loads(client.get(reverse("accounts:public_json")).content)["accounts"]
    ]


def test_f4_empty_listing(client, db):
    html = client.get(reverse("accounts:public_list")).content.decode()
    assert 'class="empty"' in html


def test_the_public_page_is_served_whole_from_the_cache_with_an_etag(
    client, listing, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url = reverse("accounts:public_list")
    first = client.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and etag and "Cookie" in first["Vary"]
    assert "csrftoken" not in first.cookies  # nothing per visitor in a page served to all
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.content == first.content and again["ETag"] == etag
    with django_assert_num_queries(0):
        unchanged = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    with django_capture_on_commit_callbacks(execute=True):
        services.account_pause(actor=listing.alice, account=listing.account)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Exempelby kommun – Skolan" not in changed.content.decode()
    english = client.get(url, HTTP_COOKIE="django_language=en")
    assert english["ETag"] != changed["ETag"] and "Our social media accounts" in english.content.decode()


def test_the_next_anonymous_visitors_get_the_whole_response_with_its_protective_headers(client, listing):
    url = reverse("accounts:public_list")
    first = client.get(url)
    served = client.get(url)
    for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Language", "Cache-Control", "Vary",
                   "ETag", "Content-Type", "Access-Control-Allow-Origin"):  # fmt: skip
        assert served[header] == first[header], header
    assert served.content == first.content and "X-Request-ID" in served
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == first["ETag"] and not_modified["Cache-Control"] == first["Cache-Control"]
    # Messages waiting for the visitor are theirs: the page is made for them.
    with_messages = client.get(url, HTTP_COOKIE="messages=x")
    assert with_messages.status_code == 200 and with_messages.content == first.content


def test_a_signed_in_person_gets_the_page_with_their_own_header(client, listing):
    client.get(reverse("accounts:public_list"))
    client.force_login(listing.alice)
    response = client.get(reverse("accounts:public_list"))
    assert "ETag" not in response and "Logga ut" in response.content.decode()
