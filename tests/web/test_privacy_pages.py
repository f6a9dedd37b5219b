"""The privacy pages: policy, "Hent mine data", "Slet min konto", admin deletion, audit log."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import LoginSession, Member, MemberEvent, utcnow
from tests.web.privacy_helpers import EMAIL, NAME, build_privacy_world, find_traces


@pytest.fixture
def pw(app):
    return build_privacy_world()


def _stale_logins(member) -> None:
    db.session.execute(update(LoginSession).where(LoginSession.member_id == member.id)
                       .values(created_at=utcnow() - timedelta(hours=2)))
    db.session.commit()


# --- the policy ----------------------------------------------------------------------------------


def test_the_policy_names_retention_contact_and_levels(app, client):
    app.config["OUTBOX_BODY_RETENTION_DAYS"] = 77
    app.config["VISITOR_REQUEST_RETENTION_DAYS"] = 123
    response = client.get("/privacy")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "77" in page and "123" in page
    assert "kaffeklub@localhost" in page  # the network's sender address


def test_the_policy_in_english(app, english):
    page = english.get("/privacy").get_data(as_text=True)
    assert "Privacy policy" in page and "How long we keep it" in page


# --- export -------------------------------------------------------------------------------------


def test_export_page_and_download(pw, client, login):
    login(pw.zelda)
    page = client.get("/profile/export")
    assert page.status_code == 200 and "profile.json" in page.get_data(as_text=True)
    response = client.post("/profile/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "profile.json" in names and "meetings.ics" in names


def test_export_needs_a_recent_login(pw, client, login):
    login(pw.zelda)
    _stale_logins(pw.zelda)
    page = client.get("/profile/export").get_data(as_text=True)
    assert "/profile/privacy/confirm" in page
    response = client.post("/profile/export")
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile/export")


def test_export_needs_a_login_and_csrf(app, pw, client, login):
    assert client.post("/profile/export").status_code == 302  # to the login page
    app.config["WTF_CSRF_ENABLED"] = True
    login(pw.zelda)
    response = client.post("/profile/export")
    assert response.status_code in (400, 302) and response.mimetype != "application/zip"


def test_confirm_by_link_sends_a_login_link_back_here(pw, client, login):
    from app.models import OutboxMessage

    login(pw.zelda)
    response = client.post("/profile/privacy/confirm?to=delete")
    assert response.status_code == 302
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "login_link")).all()
    assert mail and "%2Fprofile%2Fdelete" in mail[-1].raw.replace("=\n", "")


# --- deleting one's own account -----------------------------------------------------------------


def test_delete_own_account_logs_out_and_leaves_no_trace(pw, client, login):
    login(pw.zelda)
    assert "SLET" in client.get("/profile/delete").get_data(as_text=True)
    response = client.post("/profile/delete", data={"confirmation": "slet"})
    assert response.status_code == 302
    assert db.session.get(Member, pw.zelda.id).is_deleted
    assert find_traces() == []
    # Logged out: the profile page asks for a login; a second POST deletes nothing more.
    assert client.get("/profile").status_code == 302
    again = client.post("/profile/delete", data={"confirmation": "SLET"})
    assert again.status_code == 302 and "/login" in again.headers["Location"]
    assert db.session.scalar(select(MemberEvent).where(MemberEvent.kind == "deleted")) is not None
    assert len(db.session.scalars(select(MemberEvent).where(MemberEvent.kind == "deleted")).all()) == 1


@pytest.mark.parametrize("typed", ["", "nej", "SLET%00", "%ED%A0%80", "SLET%ED%A0%80", "x" * 10000,
                                   EMAIL.replace("@", "%40") + "x", "confirmation=SLET"])
def test_a_wrong_confirmation_is_a_form_error(pw, client, login, typed):
    login(pw.zelda)
    response = client.post("/profile/delete", data=f"confirmation={typed}",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 422)
    assert not db.session.get(Member, pw.zelda.id).is_deleted


def test_delete_needs_a_recent_login(pw, client, login):
    login(pw.zelda)
    _stale_logins(pw.zelda)
    response = client.post("/profile/delete", data={"confirmation": "SLET"})
    assert response.status_code == 302
    assert not db.session.get(Member, pw.zelda.id).is_deleted


def test_the_only_admin_is_told_to_appoint_another(pw, client, login):
    login(pw.admin)
    response = client.post("/profile/delete", data={"confirmation": "SLET"}, follow_redirects=True)
    assert response.status_code == 200
    assert not db.session.get(Member, pw.admin.id).is_deleted


# --- an admin deletes on request ------------------------------------------------------------------


def test_admin_deletes_on_request_with_a_reason(pw, client, login):
    login(pw.admin)
    edit = client.get(f"/admin/members/{pw.zelda.id}/edit").get_data(as_text=True)
    assert f"/admin/members/{pw.zelda.id}/delete" in edit
    form = client.get(f"/admin/members/{pw.zelda.id}/delete")
    assert form.status_code == 200 and EMAIL in form.get_data(as_text=True)
    missing = client.post(f"/admin/members/{pw.zelda.id}/delete", data={"confirmation": "SLET", "reason": ""})
    assert missing.status_code == 422
    response = client.post(f"/admin/members/{pw.zelda.id}/delete",
                           data={"confirmation": "SLET", "reason": "Asked by e-mail"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/audit")
    assert find_traces() == []
    # PRG: repeating the POST deletes nothing twice.
    again = client.post(f"/admin/members/{pw.zelda.id}/delete",
                        data={"confirmation": "SLET", "reason": "Again"})
    assert again.status_code == 302
    events = db.session.scalars(select(MemberEvent).where(MemberEvent.kind == "deleted")).all()
    assert len(events) == 1 and events[0].actor_id == pw.admin.id


@pytest.mark.parametrize("role", ["organizer", "bo"])
def test_organizers_and_members_cannot_admin_delete(pw, client, login, role):
    login(getattr(pw, role))
    assert client.get(f"/admin/members/{pw.zelda.id}/delete").status_code == 404
    assert client.post(f"/admin/members/{pw.zelda.id}/delete",
                       data={"confirmation": "SLET", "reason": "x"}).status_code == 404
    assert not db.session.get(Member, pw.zelda.id).is_deleted


def test_admin_delete_of_an_unknown_member_is_404(pw, client, login):
    login(pw.admin)
    assert client.get("/admin/members/999999/delete").status_code == 404
    assert client.get(f"/admin/members/{10**30}/delete").status_code == 404


# --- the audit log --------------------------------------------------------------------------------


def test_the_audit_log_lists_what_admins_and_organizers_did(pw, client, login):
    from app.privacy.deletion import delete_account

    delete_account(pw.admin, pw.cy.id, confirmation="SLET", reason="=HYPERLINK(\"http://evil\")")
    login(pw.admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Olaf Organizer" in page and "Ada Admin" in page
    filtered = client.get("/admin/audit?who=olaf&kind=added").get_data(as_text=True)
    assert "Olaf Organizer" in filtered and "Ada Admin" not in filtered.split("<table")[-1]
    response = client.get("/admin/audit?format=csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 1 + 4  # header, 2 about Zelda, 1 about Bo, Cy's deletion
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("query", ["since=0001-01-01&until=9999-12-31", "since=junk&until=2025-13-45",
                                   "who=%00&whom=%ED%A0%80", "kind=nope&page=99999999999999999999",
                                   "who=" + "x" * 5000])
def test_the_audit_log_survives_hostile_filters(pw, client, login, query):
    login(pw.admin)
    assert client.get(f"/admin/audit?{query}").status_code in (200, 400)
    assert client.get(f"/admin/audit?{query}&format=csv").status_code in (200, 400)


@pytest.mark.parametrize("role", ["organizer", "bo", "zelda"])
def test_only_admins_see_the_audit_log(pw, client, login, role):
    login(getattr(pw, role))
    assert client.get("/admin/audit").status_code in (403, 404)
    assert client.get("/admin/audit?format=csv").status_code in (403, 404)


def test_anonymous_visitors_are_sent_to_log_in(pw, client):
    paths = ("/admin/audit", "/profile/export", "/profile/delete", f"/admin/members/{pw.zelda.id}/delete")
    for path in paths:
        assert client.get(path).status_code == 302
    assert NAME  # (the world has her)
