"""Schemathesis against the API's own OpenAPI schema, in process (WSGI), for the public and a token
of every role: whatever it generates from the schema, no answer is a server error, every answer
(its status, content type, headers and body) is what the schema says, and a refusal is 401 or 403.

Bounded: a few examples per operation, each sent once for every role (about a minute here).
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
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
EXAMPLES = 12
ROLES = ["anonymous", *Role.values]


@pytest.fixture
def api_schema(db, api_world, settings):
    settings.SMGOV_API_RATE = settings.SMGOV_API_PUBLIC_RATE = "100000/minute"
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_role_gets_answers_the_schema_promises(case, api_world):
    for role in ROLES:
        headers = {} if role == "anonymous" else {"Authorization": f"Bearer {api_world.tokens[role].key}"}
        try:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
        except Exception as failure:
            failure.add_note(f"as {role}")
            raise
        if role == "anonymous" and case.operation.path != "/api/v1/accounts/":
            assert response.status_code == 401, (role, case.operation.path, response.status_code)
        assert response.status_code < 500
