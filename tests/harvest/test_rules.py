"""Rules the harvest makes true: F14 (personal data others publish on Facebook is flagged) and N13
(supervision: the account page shows when the account was last harvested, and how it is going)."""

import json
import re

import pytest
from django.urls import reverse
from django.utils.timezone import localtime

from harvest import services
from harvest.models import HarvestRun
from moderation.models import Case, Priority

from .conftest import FIXTURES

pytestmark = pytest.mark.usefixtures("media_root")

PAGE_ID = "104512345678901"
POST_ID = "104512345678901_912345678901234"
PERSONAL_ID = "20150312-1236"


@pytest.fixture
def facebook_account(org, httpserver, settings):
    settings.HARVEST_REPOLL_DAYS = 10_000

    def load(name):
        return json.loads((FIXTURES / "facebook" / name).read_text("utf-8"))

    posts = load("posts_page1.json")
    posts.pop("paging", None)
    comments = load("comments_page1.json")
    comments.pop("paging", None)
    comments["data"][0]["message"] = f"Min dotter har personnummer {PERSONAL_ID}, varför kom inte bussen?"
    httpserver.expect_request(f"/v21.0/{PAGE_ID}").respond_with_json(load("page.json"))
    httpserver.expect_request(f"/v21.0/{PAGE_ID}/posts").respond_with_json(posts)
    httpserver.expect_request(f"/v21.0/{POST_ID}/comments").respond_with_json(comments)
    httpserver.expect_request(re.compile(r"/v21\.0/.*/comments")).respond_with_json({"data": []})
    account = org.account
    account.platform, account.platform_id = "facebook", PAGE_ID
    account.api_base_url = httpserver.url_for("/v21.0")
    account.save()
    return account


def test_f14_personal_data_in_facebook_comments_is_ingested_and_flagged(facebook_account):
    run = services.harvest_account(account_id=facebook_account.pk)

    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    case = Case.objects.get(record__platform_id="912345678901234_1122334455667788")
    assert case.has_personal_data
    assert case.priority == Priority.HIGH  # on Facebook the municipality answers for others' personal data
    assert case.flags.filter(kind="personal_id", matched=PERSONAL_ID).exists()
    # the municipality's own reply is archived but opens no case
    assert not Case.objects.filter(record__platform_id="912345678901234_1122334455667799").exists()
    assert run.followers == 18342


def test_n13_account_page_panel_shows_the_last_harvest(client, org, facebook_account):
    services.harvest_account(account_id=facebook_account.pk)
    client.force_login(org.alice)

    response = client.get(reverse("harvest:account_status", args=[facebook_account.pk]))

    assert response.status_code == 200
    state = facebook_account.harvest_state
    assert state.last_success_at is not None
    html = response.content.decode()
    assert f'datetime="{localtime(state.last_success_at).isoformat()}"' in html
    assert 'id="harvest-status"' in html
    assert "hx-get" not in html  # nothing running: no polling


def test_n13_panel_polls_while_a_run_is_going(client, org):
    from django.utils import timezone

    HarvestRun.objects.create(
        account=org.account, started_at=timezone.now(), progress={"phase": "comments", "post": 2, "posts": 9}
    )
    client.force_login(org.alice)

    html = client.get(reverse("harvest:account_status", args=[org.account.pk])).content.decode()

    assert f'hx-get="{reverse("harvest:account_status", args=[org.account.pk])}"' in html
    assert 'role="status"' in html


def test_status_panel_checks_access(client, org):
    url = reverse("harvest:account_status", args=[org.account.pk])

    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(org.charlie)  # another department's communicator
    assert client.get(url).status_code == 403
    client.force_login(org.web)  # the web communicator sees every account
    assert client.get(url).status_code == 200


def test_harvest_now_is_for_those_who_manage_the_account(client, org, django_capture_on_commit_callbacks):
    url = reverse("harvest:harvest_now", args=[org.account.pk])

    client.force_login(org.charlie)
    assert client.post(url).status_code == 403
    client.force_login(org.alice)
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url)
    assert response.status_code == 302 and len(callbacks) == 1


def test_the_account_page_include_renders(client, org, rf):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = org.alice
    html = render_to_string("harvest/_account_status.html", {"account": org.account}, request=request)

    assert 'id="harvest-status"' in html and "csrfmiddlewaretoken" in html


def test_the_panel_does_not_say_the_connection_works_before_any_harvest_has(client, org):
    from harvest.models import HarvestState

    HarvestState.objects.update_or_create(account=org.account, defaults={"status": "ok"})
    client.force_login(org.alice)
    html = client.get(reverse("harvest:account_status", args=[org.account.pk])).content.decode()
    assert "Inte insamlat ännu" in html and "Fungerar" not in html
