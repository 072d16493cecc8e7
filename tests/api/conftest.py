"""The API's world: a thread and a diary case in each of two departments, and a system user with a
token for every role (a department's roles in the own department)."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from accounts.roles import Role
from api import services
from registry import diary
from tests.registry.conftest import make_thread

ALL_SCOPES = ["archive", "diary", "statistics"]
# The system user of each role and its department ("own", "central" or None).
TOKEN_ROLES = {
    Role.COMMUNICATOR: "own",
    Role.WEB_COMMUNICATOR: "central",
    Role.REGISTRAR: "own",
    Role.MUNICIPAL_REGISTRAR: "central",
    Role.HEAD_OF_DEPARTMENT: "own",
    Role.INFORMATION_UNIT: "central",
}


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def make_token(org, role: str, *, scopes=ALL_SCOPES, department="own", name=None):
    token, key = services.system_user_create(
        actor=org.info,
        name=name or f"System {role}",
        role=role,
        department=getattr(org, department) if department else None,
        scopes=scopes,
    )
    return SimpleNamespace(token=token, key=key, user=token.user, headers=bearer(key))


@pytest.fixture
def api_world(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = SimpleNamespace()
    world.own_post, world.own_comments = make_thread(org.account, at=datetime(2026, 3, 1, tzinfo=UTC))
    world.other_post, world.other_comments = make_thread(
        org.other_account, at=datetime(2026, 3, 2, tzinfo=UTC)
    )
    world.own_case = diary.diary_case_register(actor=org.registrar, record=world.own_post, title="Storgatan")
    world.other_case = diary.diary_case_register(
        actor=org.city_registrar, record=world.other_post, title="Torget"
    )
    world.tokens = {role: make_token(org, role, department=side) for role, side in TOKEN_ROLES.items()}
    return world
