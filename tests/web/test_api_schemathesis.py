"""Schemathesis against the app's own /api/v1/openapi.json, through WSGI, on SQLite and PostgreSQL.

Every operation is called with data generated from the document, valid (positive) and invalid
(negative), anonymously and with a member's, an organizer's and an admin's token, with a group,
meetings and a series present. Most cases aim at the real group and a real, still scheduled
meeting (otherwise nearly every call would be a 404). Each answer must be below 500, have a
status code and content type the document lists, and match the documented schema.

The budget is fixed (MAX_EXAMPLES per operation, role and mode) and the generation derandomized,
so a run is repeatable and takes about a minute per backend.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

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
from tests.factories import create_admin, create_group, create_meeting, create_member, create_organizer
from tests.web.api_helpers import token_for

# Per operation, role and mode; raise it for a deeper run: KAFFEKLUB_SCHEMATHESIS_EXAMPLES=500 pytest ...
MAX_EXAMPLES = int(os.environ.get("KAFFEKLUB_SCHEMATHESIS_EXAMPLES", "30"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ("anonymous", "member", "organizer", "admin")


class Data:
    """A public group with members, meetings and a series; a private group next to it."""

    def __init__(self, client) -> None:
        self.group = create_group(name="Kaffeklub Herning", slug="herning", is_public=True)
        create_group(name="Kaffeklub Viborg", slug="viborg")
        self.organizer = create_organizer(self.group, name="Olga Organizer", company="Revisorhuset")
        self.member = create_member(groups=[self.group], name="Mads Member")
        self.admin = create_admin(name="Anna Admin")
        self.tokens = {role: token_for(getattr(self, role)) for role in ROLES[1:]}
        for month in (1, 2):
            create_meeting(group=self.group, title=f"Morgenmøde {month}",
                           starts_at=datetime(2031, month, 5, 7, 30, tzinfo=UTC),
                           ends_at=datetime(2031, month, 5, 9, 0, tzinfo=UTC))
        db.session.commit()
        response = client.post(f"/api/v1/groups/{self.group.slug}/series",
                               headers=self.headers("organizer"), json={
                                   "title": "Kaffeklub", "frequency": "monthly_nth_weekday", "nth": 3,
                                   "weekday": 2, "starts_on": "2031-03-01", "ends_on": "2031-06-30",
                                   "start_time": "08:30", "end_time": "10:00", "capacity": 40,
                                   "rotation": [{"host_member_id": self.organizer.id}],
                               })
        assert response.status_code == 201, response.get_json()

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role != "anonymous" else {}

    def fresh_meeting_id(self) -> int:
        """A scheduled meeting in the future (earlier cases may have cancelled or moved others)."""
        meeting = create_meeting(group=self.group, title="Morgenmøde",
                                 starts_at=datetime(2031, 9, 3, 6, 30, tzinfo=UTC),
                                 ends_at=datetime(2031, 9, 3, 8, 0, tzinfo=UTC))
        db.session.commit()
        return meeting.id


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_the_document_lists_every_api_operation(app):
    labels = sorted(operation.label for operation in operations(app))
    assert labels == sorted([
        "GET /api/v1/me",
        "GET /api/v1/groups",
        "GET /api/v1/groups/{slug}",
        "PATCH /api/v1/groups/{slug}",
        "GET /api/v1/groups/{slug}/members",
        "GET /api/v1/members",
        "GET /api/v1/members/{member_id}",
        "PATCH /api/v1/me/visibility",
        "GET /api/v1/me/export",
        "DELETE /api/v1/me",
        "GET /api/v1/public/groups",
        "GET /api/v1/public/groups/{slug}/meetings",
        "GET /api/v1/public/groups/{slug}/members",
        "GET /api/v1/groups/{slug}/meetings",
        "POST /api/v1/groups/{slug}/meetings",
        "GET /api/v1/meetings/{meeting_id}",
        "PATCH /api/v1/meetings/{meeting_id}",
        "POST /api/v1/meetings/{meeting_id}/cancel",
        "POST /api/v1/groups/{slug}/series",
        "GET /api/v1/meetings/{meeting_id}/rsvp",
        "PUT /api/v1/meetings/{meeting_id}/rsvp",
        "DELETE /api/v1/meetings/{meeting_id}/rsvp",
        "PUT /api/v1/meetings/{meeting_id}/rsvp/substitute",
        "GET /api/v1/meetings/{meeting_id}/rsvps",
        "PUT /api/v1/meetings/{meeting_id}/rsvps/{member_id}",
        "POST /api/v1/meetings/{meeting_id}/waitlist/promote",
        "DELETE /api/v1/meetings/{meeting_id}/guests/{guest_id}",
        "GET /api/v1/meetings/{meeting_id}/invitations",
        "POST /api/v1/meetings/{meeting_id}/invitations",
        "GET /api/v1/meetings/{meeting_id}/checkins",
        "POST /api/v1/meetings/{meeting_id}/checkins",
        "DELETE /api/v1/meetings/{meeting_id}/checkins/{checkin_id}",
        "POST /api/v1/meetings/{meeting_id}/close",
        "GET /api/v1/meetings/{meeting_id}/seating",
        "POST /api/v1/meetings/{meeting_id}/seating",
        "GET /api/v1/members/{member_id}/network",
        "GET /api/v1/one-to-ones",
        "POST /api/v1/one-to-ones",
        "GET /api/v1/one-to-ones/{one_to_one_id}",
        "POST /api/v1/one-to-ones/{one_to_one_id}/confirm",
        "POST /api/v1/one-to-ones/{one_to_one_id}/decline",
        "POST /api/v1/one-to-ones/{one_to_one_id}/cancel",
        "GET /api/v1/members/{member_id}/ledger",
        "GET /api/v1/referrals",
        "POST /api/v1/referrals",
        "GET /api/v1/referrals/{referral_id}",
        "PATCH /api/v1/referrals/{referral_id}",
        "POST /api/v1/thanks",
        "GET /api/v1/thanks/{thanks_id}",
        "GET /api/v1/groups/{slug}/requests",
        "POST /api/v1/groups/{slug}/requests",
        "GET /api/v1/requests/{request_id}",
        "PATCH /api/v1/requests/{request_id}",
        "POST /api/v1/requests/{request_id}/withdraw",
        "POST /api/v1/requests/{request_id}/answers",
        "POST /api/v1/requests/{request_id}/solve",
        "POST /api/v1/requests/{request_id}/hide",
        "POST /api/v1/requests/{request_id}/show",
        "PATCH /api/v1/answers/{answer_id}",
        "POST /api/v1/answers/{answer_id}/withdraw",
        "POST /api/v1/answers/{answer_id}/hide",
        "POST /api/v1/answers/{answer_id}/show",
    ])


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.timeout(600)
def test_api_conforms_to_its_openapi_document(app, client, mode):
    """Fails at the first operation with a broken promise, with the smallest case hypothesis finds
    and a curl command that reproduces it."""
    data = Data(client)
    cases = [0]
    for operation in operations(app):
        fuzz_operation(operation, mode, data, cases)
    assert cases[0] >= MAX_EXAMPLES * len(ROLES)


def fuzz_operation(operation, mode: GenerationMode, data: Data, cases: list[int]) -> None:
    path_names = {p.name for p in operation.path_parameters}

    @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(ROLES),
           aim=st.integers(0, 3))
    @settings(max_examples=MAX_EXAMPLES * len(ROLES), derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    def run(case, role, aim):
        cases[0] += 1
        if aim and "slug" in path_names:  # three cases in four aim at the real group
            case.path_parameters["slug"] = data.group.slug
        if aim and "meeting_id" in path_names:
            case.path_parameters["meeting_id"] = data.fresh_meeting_id()
        try:
            case.call_and_validate(headers=data.headers(role), checks=CHECKS)
        finally:
            db.session.rollback()

    try:
        run()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE  # nothing to get wrong, e.g. GET /groups has no input
