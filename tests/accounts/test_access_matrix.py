"""Every page of the account register × every role × own / other department's account.

The expected status codes are written out, not derived from the permission policy, so a
change to the policy shows up here as a deliberate change to this table.
302 = anonymous, sent to the login page; 403 = logged in without permission.
"""

import pytest
from django.urls import reverse

from accounts import services
from tests.factories import submitted_request

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "alice", "charlie", "head", "other_head", "registrar", "web", "info"]
ALL_200 = dict.fromkeys(ROLES, 200)


def logged_in(codes):
    """Anonymous visitors are sent to the login page."""
    return {"anonymous": 302, **codes}


# Pages without an account: url name -> {role: status}
PAGES = {
    "public_list": ALL_200,
    "public_json": ALL_200,
    "public_csv": ALL_200,
    "list": logged_in(dict.fromkeys(ROLES[1:], 200)),
    "request": logged_in(
        {
            "alice": 200,
            "charlie": 200,
            "head": 200,
            "other_head": 200,
            "registrar": 403,
            "web": 200,
            "info": 200,
        }
    ),
    "decisions": logged_in(
        {
            "alice": 403,
            "charlie": 403,
            "head": 200,
            "other_head": 200,
            "registrar": 403,
            "web": 403,
            "info": 403,
        }
    ),
    "overview": logged_in(
        {
            "alice": 403,
            "charlie": 403,
            "head": 200,
            "other_head": 200,
            "registrar": 403,
            "web": 200,
            "info": 200,
        }
    ),
}

# role -> (own department's account, other department's account)
SEE = logged_in(
    {
        "alice": (200, 403),
        "charlie": (403, 200),
        "head": (200, 403),
        "other_head": (403, 200),
        "registrar": (200, 403),
        "web": (200, 200),
        "info": (200, 200),
    }
)
MANAGE = {
    "alice": (200, 403),
    "charlie": (403, 200),
    "head": (403, 403),
    "other_head": (403, 403),
    "registrar": (403, 403),
    "web": (403, 403),
    "info": (200, 200),
}
CREDENTIALS = MANAGE  # the account's administrators and the information unit (F1)
INFORMATION_UNIT = {role: (403, 403) for role in MANAGE} | {"info": (200, 200)}

# GET pages of one account: url name -> (which account, {role: (own, other)})
ACCOUNT_PAGES = {
    "detail": ("active", SEE),
    "edit": ("active", logged_in(MANAGE)),
    "credentials": ("active", logged_in(CREDENTIALS)),
    "credential_log": ("active", logged_in(INFORMATION_UNIT)),
    "resubmit": ("returned", logged_in(MANAGE)),
}


def redirected(codes):
    """A permitted POST redirects back to the account (302), like the login redirect."""
    return {role: tuple(302 if code == 200 else code for code in pair) for role, pair in codes.items()}


DECIDE = {
    "alice": (403, 403),
    "charlie": (403, 403),
    "head": (302, 403),
    "other_head": (403, 302),
    "registrar": (403, 403),
    "web": (403, 403),
    "info": (403, 403),
}

# POSTed actions: (url name, extra args, data, which account, {role: (own, other)})
ACTIONS = {
    "check": ("action", ["kontrollerad"], {}, "active", logged_in(redirected(MANAGE))),
    "pause": ("action", ["pausa"], {"comment": "x"}, "active", logged_in(redirected(MANAGE))),
    "admin_add": ("administrator_add", [], {}, "active", logged_in(redirected(MANAGE))),
    "decide": ("decide", [], {"decision": "approve"}, "requested", logged_in(DECIDE)),
}


def _request(actor, department, admins, name):
    return submitted_request(actor=actor, department=department, administrators=admins, display_name=name)


@pytest.fixture
def world(org):
    other_admins = list(org.other_account.administrators.all())
    org.accounts = {
        ("active", "own"): org.account,
        ("active", "other"): org.other_account,
        ("requested", "own"): _request(org.alice, org.own, [org.alice, org.bob], "Begärt eget"),
        ("requested", "other"): _request(org.charlie, org.other, other_admins, "Begärt annat"),
    }
    returned_own = _request(org.alice, org.own, [org.alice, org.bob], "Tillbaka eget")
    services.account_decide(actor=org.head, account=returned_own, decision="return", comment="Mer.")
    returned_other = _request(org.charlie, org.other, other_admins, "Tillbaka annat")
    services.account_decide(actor=org.other_head, account=returned_other, decision="return", comment="Mer.")
    org.accounts["returned", "own"] = returned_own
    org.accounts["returned", "other"] = returned_other
    return org


def _client_for(client, world, role):
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


def _assert_status(response, expected):
    assert response.status_code == expected, response.content[:300]
    if expected == 302 and "Location" in response and "/logga-in/" in response["Location"]:
        assert response["Location"].startswith(reverse("login"))


PAGE_CASES = [(name, role, codes[role]) for name, codes in PAGES.items() for role in ROLES]


@pytest.mark.parametrize(("name", "role", "expected"), PAGE_CASES)
def test_page_access(client, world, name, role, expected):
    response = _client_for(client, world, role).get(reverse(f"accounts:{name}"))
    _assert_status(response, expected)
    if role == "anonymous" and expected == 302:
        assert response["Location"].startswith(reverse("login"))


ACCOUNT_PAGE_CASES = [
    (name, role, side) for name in ACCOUNT_PAGES for role in ROLES for side in ("own", "other")
]


@pytest.mark.parametrize(("name", "role", "side"), ACCOUNT_PAGE_CASES)
def test_account_page_access(client, world, name, role, side):
    which, codes = ACCOUNT_PAGES[name]
    expected = codes[role] if role == "anonymous" else codes[role][side == "other"]
    account = world.accounts[which, side]
    response = _client_for(client, world, role).get(reverse(f"accounts:{name}", args=[account.pk]))
    _assert_status(response, expected)


ACTION_CASES = [(name, role, side) for name in ACTIONS for role in ROLES for side in ("own", "other")]


@pytest.mark.parametrize(("name", "role", "side"), ACTION_CASES)
def test_action_access(client, world, name, role, side):
    url_name, extra, data, which, codes = ACTIONS[name]
    expected = codes[role] if role == "anonymous" else codes[role][side == "other"]
    account = world.accounts[which, side]
    response = _client_for(client, world, role).post(
        reverse(f"accounts:{url_name}", args=[account.pk, *extra]), data
    )
    _assert_status(response, expected)
    if expected == 302 and role != "anonymous":
        assert response["Location"] == account.get_absolute_url()


def test_administrator_remove_access(client, world):
    url = reverse("accounts:administrator_remove", args=[world.account.pk, world.bob.pk])
    assert client.post(url).status_code == 302
    for role in ("charlie", "head", "registrar", "web"):
        client.force_login(getattr(world, role))
        assert client.post(url).status_code == 403
    client.force_login(world.alice)
    assert client.post(url).status_code == 302  # refused by F2, shown as a message


@pytest.mark.parametrize("name", ["detail", "edit", "credentials", "resubmit"])
def test_missing_account_is_404(client, world, name):
    client.force_login(world.info)
    assert client.get(reverse(f"accounts:{name}", args=[999999])).status_code == 404
