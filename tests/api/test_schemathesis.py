"""Schemathesis against the API's own OpenAPI schema, in process (WSGI), for the public and a token
of every role: whatever it generates from the schema (valid requests and invalid ones, and the
records and cases that exist), no answer is a server error, every answer (its status, content type,
headers and body) is what the schema says, and the public is refused with 401.

Bounded: a few examples per operation and kind, each sent once for every role.
"""

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, openapi
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.roles import Role

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 5
ROLES = ["anonymous", *Role.values]
PUBLIC = "/api/v1/accounts/"


@pytest.fixture
def wsgi_app():
    """The project's WSGI application in this process, on the test's database connection: like
    Django's test client, it must not close the connection (and so the test's transaction) after a
    request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _strategies(operation, world):
    yield operation.as_strategy(GenerationMode.POSITIVE)
    if operation.definition.raw.get("parameters"):  # what can be sent wrong
        yield operation.as_strategy(GenerationMode.NEGATIVE)
    # The records and cases that exist, in both departments.
    existing = {
        "/api/v1/records/{id}/": [world.own_post.pk, world.other_post.pk, world.own_comments[0].pk],
        "/api/v1/diary/cases/{id}/": [world.own_case.pk, world.other_case.pk],
    }.get(operation.path, [])
    if existing:
        yield st.one_of(*(operation.as_strategy(path_parameters={"id": pk}) for pk in existing))


def _send_as_every_role(case, world):
    for role in ROLES:
        headers = {} if role == "anonymous" else {"Authorization": f"Bearer {world.tokens[role].key}"}
        try:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            if role == "anonymous" and case.operation.path != PUBLIC:
                assert response.status_code in (400, 401), response.status_code
        except BaseException as failure:
            failure.add_note(f"as {role}: {case.method} {case.formatted_path} {case.query}")
            raise


def test_every_role_gets_answers_the_schema_promises(db, api_world, settings, wsgi_app):
    settings.SMGOV_API_RATE = settings.SMGOV_API_PUBLIC_RATE = "100000/minute"
    schema = openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.path for operation in operations} == {
        PUBLIC, "/api/v1/records/", "/api/v1/records/{id}/", "/api/v1/diary/cases/",
        "/api/v1/diary/cases/{id}/", "/api/v1/statistics/",
    }  # fmt: skip
    for operation in operations:
        for strategy in _strategies(operation, api_world):

            @given(case=strategy)
            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                _send_as_every_role(case, api_world)

            run()
