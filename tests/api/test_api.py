"""The REST API: the web's permissions through the same policies, tokens (hashed, scoped, revocable,
logged, throttled), pagination and filters like the web's."""

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts import selectors as account_selectors
from accounts.roles import Role
from api.models import ApiToken, ApiTokenEvent, ApiTokenUse
from api.serializers import PublicAccountSerializer
from registry import diary
from tests.access.test_url_matrix import READ_LOGS, _writes
from tests.api.conftest import ALL_SCOPES, bearer, make_token
from tests.registry.conftest import make_comment, make_thread

PEOPLE = ["alice", "charlie", "head", "other_head", "registrar", "city_registrar", "web", "info"]


def _pairs(world):
    """Each API address beside the web page that shows the same thing."""
    return [
        (reverse("api:records") + "?q=Storgatan", reverse("archive:search") + "?q=Storgatan"),
        (
            reverse("api:record", args=[world.own_post.pk]),
            reverse("archive:record", args=[world.own_post.pk]),
        ),
        (
            reverse("api:record", args=[world.other_post.pk]),
            reverse("archive:record", args=[world.other_post.pk]),
        ),
        (reverse("api:diary_cases"), reverse("registry:diary_cases")),
        (
            reverse("api:diary_case", args=[world.own_case.pk]),
            reverse("registry:diary_case", args=[world.own_case.pk]),
        ),
        (
            reverse("api:diary_case", args=[world.other_case.pk]),
            reverse("registry:diary_case", args=[world.other_case.pk]),
        ),
        (reverse("api:statistics"), reverse("reports:statistics")),
    ]


def _web_outcome(status: int) -> int:
    return 401 if status == 302 else status  # the web sends the anonymous to the login page


@pytest.mark.parametrize("person", ["anonymous", *PEOPLE])
def test_every_endpoint_answers_a_signed_in_person_as_the_web_does(client, org, api_world, person):
    if person != "anonymous":
        client.force_login(getattr(org, person))
    for api_url, web_url in _pairs(api_world):
        web = client.get(web_url).status_code
        api = client.get(api_url).status_code
        assert api == _web_outcome(web), (person, api_url, api, web)


@pytest.mark.parametrize("role", list(Role))
def test_a_token_reads_what_its_system_user_would_read_on_the_web(client, org, api_world, role):
    """The same policies answer the token's system user: the API's status is the web's for that user."""
    token = api_world.tokens[role]
    for api_url, web_url in _pairs(api_world):
        api = client.get(api_url, **token.headers).status_code
        client.force_login(token.user)
        web = client.get(web_url).status_code
        client.logout()
        assert api == web, (role, api_url, api, web)


def test_a_communicator_of_one_department_cannot_read_anothers_records(client, org, api_world):
    token = api_world.tokens[Role.COMMUNICATOR]  # in the own department
    found = client.get(reverse("api:records"), {"q": "Storgatan", "sort": "oldest"}, **token.headers).json()
    ids = {item["id"] for item in found["results"]}
    assert api_world.own_post.pk in ids
    assert not ids & {api_world.other_post.pk, *(c.pk for c in api_world.other_comments)}
    assert {item["department_id"] for item in found["results"]} == {org.own.pk}
    other = client.get(reverse("api:record", args=[api_world.other_post.pk]), **token.headers)
    assert other.status_code == 403
    asked = client.get(reverse("api:records"), {"department": org.other.pk}, **token.headers)
    assert asked.status_code == 400
    assert "department" in asked.json()["errors"]
    # Charlie, the other department's communicator, signed in: the same refusal.
    client.force_login(org.charlie)
    assert client.get(reverse("api:record", args=[api_world.own_post.pk])).status_code == 403


def test_the_anonymous_public_reads_only_the_public_accounts(client, org, api_world):
    listing = client.get(reverse("api:public_accounts"))
    assert listing.status_code == 200
    web = client.get(reverse("accounts:public_json")).json()
    api = listing.json()
    assert api["count"] == web["count"]
    assert api["results"] == web["accounts"]  # the same accounts with the same fields, in the same order
    assert set(PublicAccountSerializer().fields) == {*account_selectors.PUBLIC_FIELDS, "children"}
    for url in (
        reverse("api:records"),
        reverse("api:record", args=[api_world.own_post.pk]),
        reverse("api:diary_cases"),
        reverse("api:diary_case", args=[api_world.own_case.pk]),
        reverse("api:statistics"),
    ):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_refused(client, org, api_world):
    token = api_world.tokens[Role.REGISTRAR]
    assert client.get(reverse("api:diary_cases"), **token.headers).status_code == 200
    client.force_login(org.info)
    page = client.post(reverse("api:tokens"), {"action": "revoke", "token": token.token.pk}, follow=True)
    assert "återkallades" in page.content.decode()
    client.logout()
    refused = client.get(reverse("api:diary_cases"), **token.headers)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Nyckeln är okänd eller har återkallats."
    assert (
        client.get(reverse("api:diary_cases"), **bearer("smgov_not-a-token-at-all-xxxxxxxx")).status_code
        == 401
    )
    event = ApiTokenEvent.objects.get(token=token.token, action="revoked")
    assert event.actor == org.info and event.via == "page"


def test_a_tokens_scope_limits_it(client, org, api_world):
    archive_only = make_token(org, Role.REGISTRAR, scopes=["archive"], name="Bara arkivet")
    records = client.get(reverse("api:records"), {"q": "Storgatan"}, **archive_only.headers)
    assert records.status_code == 200
    assert records.json()["count"] > 0
    refused = client.get(reverse("api:diary_cases"), **archive_only.headers)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Nyckeln får inte läsa den här delen av smgov."
    # The registrar's role reads the diary; with all the scopes the same system user would.
    full = api_world.tokens[Role.REGISTRAR]
    assert client.get(reverse("api:diary_cases"), **full.headers).status_code == 200


def test_a_get_through_the_api_writes_nothing_but_the_token_use_log(client, org, api_world):
    token = api_world.tokens[Role.MUNICIPAL_REGISTRAR]
    urls = [
        reverse("api:public_accounts"),
        reverse("api:records") + "?q=Storgatan",
        reverse("api:record", args=[api_world.own_post.pk]),
        reverse("api:diary_cases"),
        reverse("api:diary_case", args=[api_world.own_case.pk]),
        reverse("api:statistics"),
        reverse("api:schema"),
    ]
    statistics = make_token(org, Role.WEB_COMMUNICATOR, department="central", name="Statistik")
    for headers in (token.headers, statistics.headers, {}):
        for url in urls:
            before = _writes()
            response = client.get(url, **headers)
            changed = {t for t, n in _writes().items() if n != before.get(t, 0)}
            # The token's log and last use; a record read is logged as on the web (READ_LOGS).
            assert changed <= {"api_apitokenuse", "api_apitoken"} | READ_LOGS, (
                url,
                response.status_code,
                changed,
            )
    logged = ApiTokenUse.objects.filter(token=token.token).order_by("pk")
    assert [use.path for use in logged] == [url.split("?")[0] for url in urls if "accounts" not in url]
    # A registrar for the whole municipality reads no statistics: the refusal is logged too.
    assert [use.status for use in logged] == [200, 200, 200, 200, 403, 200]
    assert logged[0].query == "q=Storgatan"
    token.token.refresh_from_db()
    assert token.token.last_used_at == logged.last().at


def test_the_token_is_stored_only_as_its_hash(client, org):
    client.force_login(org.info)
    page = client.post(
        reverse("api:tokens"),
        {"action": "create", "name": "Ärendesystemet", "role": "registrar", "department": org.own.pk,
         "scopes": ["archive", "diary"]},
    )  # fmt: skip
    assert page.status_code == 200
    key = page.context["made_key"]
    assert key.startswith("smgov_") and len(key) > 40
    assert key in page.content.decode()  # shown once, in this answer
    token = ApiToken.objects.get()
    assert token.key_sha256 == hashlib.sha256(key.encode()).hexdigest()
    assert token.scopes == ["archive", "diary"]
    assert token.user.groups.get().name == "registrar" and token.user.department == org.own
    assert not token.user.has_usable_password()
    with connection.cursor() as cursor:
        for table in ("api_apitoken", "api_apitokenevent", "accounts_user"):
            cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t")  # noqa: S608 - our table names
            assert not any(key in row[0] or key[6:] in row[0] for row in cursor.fetchall()), table
    assert key not in client.get(reverse("api:tokens")).content.decode()  # never again
    assert client.get(reverse("api:diary_cases"), **bearer(key)).status_code == 200


def test_only_the_information_unit_manages_tokens(client, org):
    for person in ("alice", "registrar", "city_registrar", "web", "head"):
        client.force_login(getattr(org, person))
        assert client.get(reverse("api:tokens")).status_code == 403
        made = client.post(reverse("api:tokens"), {"action": "create", "name": "X", "role": "registrar"})
        assert made.status_code == 403
    assert not ApiToken.objects.exists()


def test_a_missing_department_is_refused_in_swedish(client, org):
    client.force_login(org.info)
    page = client.post(
        reverse("api:tokens"),
        {"action": "create", "name": "Diariet", "role": "registrar", "scopes": ["diary"]},
    )
    assert "välj den" in page.content.decode()
    assert not ApiToken.objects.exists()


def test_the_command_makes_lists_and_revokes_tokens(client, org):
    out = StringIO()
    call_command(
        "api_token", "create", "--name", "Statistiksystemet", "--role", "web_communicator",
        "--scopes", "statistics", stdout=out,
    )  # fmt: skip
    key = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.key_sha256 == hashlib.sha256(key.encode()).hexdigest()
    assert client.get(reverse("api:statistics"), **bearer(key)).status_code == 200
    listed = StringIO()
    call_command("api_token", "list", stdout=listed)
    assert "Statistiksystemet" in listed.getvalue() and key not in listed.getvalue()
    call_command("api_token", "revoke", str(token.pk), stdout=StringIO())
    assert client.get(reverse("api:statistics"), **bearer(key)).status_code == 401
    renewed = StringIO()
    call_command(
        "api_token", "create", "--user", token.user.username, "--scopes", "statistics", stdout=renewed
    )
    new_key = renewed.getvalue().strip().splitlines()[-1]
    assert client.get(reverse("api:statistics"), **bearer(new_key)).status_code == 200
    assert list(ApiTokenEvent.objects.order_by("pk").values_list("action", "via", "actor")) == [
        ("created", "command", None),
        ("revoked", "command", None),
        ("created", "command", None),
    ]


def test_a_system_user_has_one_token_in_force(org):
    from django.core.exceptions import ValidationError

    from api import services

    token = make_token(org, Role.REGISTRAR)
    with pytest.raises(ValidationError):
        services.api_token_create(actor=org.info, user=token.user, scopes=ALL_SCOPES)
    with pytest.raises(ValidationError):  # a person is not a system user
        services.api_token_create(actor=org.info, user=org.registrar, scopes=ALL_SCOPES)


def test_throttling_is_per_token(client, org, api_world, settings):
    settings.SMGOV_API_RATE = "3/minute"
    first, second = api_world.tokens[Role.REGISTRAR], api_world.tokens[Role.MUNICIPAL_REGISTRAR]
    url = reverse("api:diary_cases")
    assert [client.get(url, **first.headers).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get(url, **second.headers).status_code == 200
    assert ApiTokenUse.objects.filter(token=first.token, status=429).count() == 1


def test_a_token_never_reaches_a_log(caplog, org):
    token = make_token(org, Role.REGISTRAR)
    with caplog.at_level(logging.INFO):
        logging.getLogger("smgov.test").warning("request with %s failed", token.key)
        logging.getLogger("smgov.test").warning("headers %s", {"Authorization": f"Bearer {token.key}"})
    assert caplog.records
    assert token.key not in caplog.text
    assert "[redacted]" in caplog.text


def test_record_search_pages_like_the_web(client, org, api_world):
    post = api_world.own_post
    start = datetime(2026, 4, 1, tzinfo=UTC)
    for n in range(43):
        make_comment(org.account, post, text=f"Fråga {n} om snöröjningen", at=start + timedelta(minutes=n))
    token = api_world.tokens[Role.REGISTRAR]
    url = reverse("api:records")
    first = client.get(url, {"q": "snöröjningen", "sort": "newest"}, **token.headers).json()
    assert (first["count"], first["page"], first["pages"], len(first["results"])) == (43, 1, 3, 20)
    assert first["previous"] is None
    third = client.get(first["next"].replace("page=2", "page=3"), **token.headers).json()
    assert len(third["results"]) == 3 and third["next"] is None
    second = client.get(first["next"], **token.headers).json()
    seen = [item["id"] for page in (first, second, third) for item in page["results"]]
    assert len(set(seen)) == 43
    # The web's search shows the same hits on the same page.
    client.force_login(token.user)
    web = client.get(reverse("archive:search"), {"q": "snöröjningen", "sort": "newest", "sida": 2})
    assert [record.pk for record in web.context["result"].records] == [
        item["id"] for item in second["results"]
    ]
    # Filters as on the web: a year without matches, and a platform.
    assert client.get(url, {"q": "snöröjningen", "year": 2020}, **token.headers).json()["count"] == 0
    assert client.get(url, {"year": "nittonhundra"}, **token.headers).status_code == 400


def test_diary_cases_page_by_25(client, org, api_world):
    for n in range(30):
        post, _comments = make_thread(org.account, comments=0, text=f"Tråd {n}")
        diary.diary_case_register(actor=org.registrar, record=post, title=f"Ärende {n}")
    token = api_world.tokens[Role.REGISTRAR]
    first = client.get(reverse("api:diary_cases"), **token.headers).json()
    assert (first["count"], first["pages"], len(first["results"])) == (31, 2, 25)
    second = client.get(first["next"], **token.headers).json()
    assert len(second["results"]) == 6
    assert {case["department_id"] for case in first["results"] + second["results"]} == {org.own.pk}
    detail = client.get(reverse("api:diary_case", args=[api_world.own_case.pk]), **token.headers).json()
    assert detail["diary_number"] == api_world.own_case.diary_number
    assert detail["documents"][0]["document_number"].startswith(api_world.own_case.diary_number)


def _figures_on_the_web(client, user) -> dict:
    client.force_login(user)
    context = client.get(reverse("reports:statistics"), {"period": "this_year"}).context
    client.logout()
    return context


def test_statistics_are_the_figures_the_web_shows(client, org, api_world):
    # A head of department signed in: their own department's figures.
    web = _figures_on_the_web(client, org.head)
    client.force_login(org.head)
    api = client.get(reverse("api:statistics"), {"period": "this_year"}).json()
    client.logout()
    assert api["department_ids"] == [org.own.pk]
    assert (api["total"]["posts"], api["total"]["comments"]) == (web["total"].posts, web["total"].comments)
    assert api["total"]["posts"] == 1 and api["total"]["comments"] == 2
    assert [a["account_id"] for a in api["by_account"]] == [a.pk for a, _cells in web["by_account"]]
    # A web communicator's token: the whole municipality, per department too.
    token = api_world.tokens[Role.WEB_COMMUNICATOR]
    web = _figures_on_the_web(client, token.user)
    api = client.get(reverse("api:statistics"), {"period": "this_year"}, **token.headers).json()
    assert api["department_ids"] is None
    assert api["total"]["posts"] == web["total"].posts == 2
    assert [d["department_id"] for d in api["by_department"]] == [d.pk for d, _cells in web["by_department"]]
    refused = client.get(reverse("api:statistics"), {"department": 999999}, **token.headers)
    assert refused.status_code == 400


def test_the_schema_is_openapi_3_and_the_docs_open(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    data = schema.json()
    assert data["openapi"].startswith("3.")
    assert {"/api/v1/accounts/", "/api/v1/records/", "/api/v1/records/{id}/", "/api/v1/diary/cases/",
            "/api/v1/diary/cases/{id}/", "/api/v1/statistics/"} <= set(data["paths"])  # fmt: skip
    assert data["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
