"""Schemathesis on the requests operations only (the whole API's run is tests/web/test_api_schemathesis.py):
valid and invalid calls as every role, each answer below 500 and as the document says."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from app.models.social import HelpRequest, RequestAnswer
from tests.web.api_helpers import token_for
from tests.web.asks_helpers import build_ask_world

MAX_EXAMPLES = int(os.environ.get("KAFFEKLUB_SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ("anonymous", "asker", "helper", "organizer", "admin", "other")


def _request(w) -> int:
    """A fresh open request (written directly: the services' daily limits would stop the fuzz)."""
    req = HelpRequest(author_id=w.asker.id, title="Hjælp", body="", status="open", groups=[w.a])
    db.session.add(req)
    db.session.commit()
    return req.id


def _answer(w, request_id: int) -> int:
    row = RequestAnswer(request_id=request_id, author_id=w.helper.id, kind="offer", body="Jeg kan")
    db.session.add(row)
    db.session.commit()
    return row.id


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.timeout(600)
def test_requests_operations_conform_to_the_document(app, client, mode):
    w = build_ask_world()
    tokens = {role: token_for(w.person(role)) for role in ROLES if role != "anonymous"}
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    ops = [r.ok() for r in schema.get_all_operations()]
    ops = [op for op in ops if "/requests" in op.path or "/answers" in op.path]
    assert len(ops) >= 10

    for operation in ops:
        fuzz(operation, mode, w, tokens)


def fuzz(operation, mode, w, tokens) -> None:
    names = {p.name for p in operation.path_parameters}

    @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(ROLES),
           aim=st.integers(0, 3))
    @settings(max_examples=MAX_EXAMPLES * len(ROLES), derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    def run(case, role, aim):
        if aim and ("request_id" in names or "answer_id" in names):
            rid = _request(w)
            if "request_id" in names:
                case.path_parameters["request_id"] = rid
            if "answer_id" in names:
                case.path_parameters["answer_id"] = _answer(w, rid)
            db.session.commit()
        if aim and "slug" in names:
            case.path_parameters["slug"] = w.a.slug
        headers = {"Authorization": f"Bearer {tokens[role]}"} if role in tokens else {}
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        finally:
            db.session.rollback()

    try:
        run()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE
