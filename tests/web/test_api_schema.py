"""The API checked against its own OpenAPI description by schemathesis (issue 26): for every operation, requests made
from the description, valid ones and ones that break it (25 of each, the same on every run), get no server error and
only answers the description allows: their status, content type, headers and body schema."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

from erms import api_tokens

# A chunk of a resumable upload (tus: application/offset+octet-stream) is bytes, as application/octet-stream.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def served(app, make_dossier, session, world):
    """The description, served by an app holding dossiers the caller may read, one of them open, and an entry."""
    make_dossier("closed")
    make_dossier("open")
    session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def token(session, world, now) -> str:
    _row, made = api_tokens.create(session, world.actor("officer1"), "schemathesis", 30, now=now)
    session.commit()
    return made


def test_every_answer_is_one_the_description_allows(served, token):
    operations = [result.ok() for result in served.get_all_operations()]
    assert len(operations) >= 7
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=25,
            derandomize=True,  # the same requests on every run
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_described(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        answers_as_described()
