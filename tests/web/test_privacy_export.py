"""The export: every file parses, holds the member's data, and nothing of others' private data."""

from __future__ import annotations

import io
import json
import zipfile

from app.extensions import db
from app.privacy.export import FILES, build_export
from tests.calendar_readers import read_icalendar, read_vobject
from tests.web.privacy_helpers import EMAIL, NAME, PHONE, build_privacy_world


def _open(data: bytes) -> dict[str, object]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    out = {}
    for name in archive.namelist():
        raw = archive.read(name)
        if name.endswith(".json"):
            out[name] = json.loads(raw.decode("utf-8"))
        else:
            out[name] = raw
    return out


def test_the_export_holds_everything_about_the_member(app):
    world = build_privacy_world()
    files = _open(build_export(world.zelda))
    assert set(files) == set(FILES) | {"README.txt"}
    readme = files["README.txt"].decode("utf-8")
    for name in FILES:
        assert name in readme
    profile = files["profile.json"]
    assert (profile["name"], profile["email"], profile["phone"]) == (NAME, EMAIL, PHONE)
    assert profile["visibility"]["email"] == "members" and profile["offers"] == "Bookkeeping"
    assert "password_hash" not in profile and profile["has_password"] is True
    assert files["memberships.json"]["memberships"][0]["group"]["slug"] == "kaffeklub-odense"
    assert len(files["memberships.json"]["invitations"]) == 2
    signups = files["signups.json"]
    assert {s["status"] for s in signups} == {"going", "declined"}
    assert any(g["name"] == "Gustav Gæst" for s in signups for g in s["guests"])
    assert any("ill" in s["message"] for s in signups)
    assert files["calendar_invitations.json"][0]["your_reply"] == "ACCEPTED"
    assert files["checkins.json"]["visitors_you_brought"][0]["name"] == "Vera Visitor"
    assert files["encounters.json"][0]["sat_with"] == {"id": world.bo.id, "name": "Bo Bager"}
    assert len(files["one_to_ones.json"]) == 2
    requests = files["requests.json"]
    mine = requests["requests"][0]
    # Bo's private answer on her request is hers to see; Cy's private answer on Bo's request is not.
    assert [a["body"] for a in mine["answers"]] == ["I can, privately"]
    everything = json.dumps(files["requests.json"], ensure_ascii=False)
    assert "Cy's secret offer to Bo" not in everything
    assert requests["answers_given"][0]["referred_name"] == "Uncle Quornwhistle"
    referrals = files["referrals.json"]
    assert referrals["given"][0]["contact_phone"] == "+45 99 88 77 66"
    assert referrals["received"][0]["contact_name"] == "Per Privat"
    thanks = files["thanks.json"]
    assert thanks["got"][0]["amount_dkk"] == 12500 and thanks["said"][0]["amount_dkk"] == 4000
    assert files["help.json"]["given"][0]["description"].endswith("explained VAT")
    assert {e["kind"] for e in files["history.json"]} == {"profile_edited", "added"}
    logins = files["logins.json"]
    assert logins["api_tokens"][0]["name"] == "CRM sync" and logins["sessions"][0]["device"] == "Firefox"
    mail = files["mail_log.json"]
    assert {m["subject"] for m in mail["sent_to_you"]} == {f"Velkommen, {NAME}", "Påmindelse"}
    assert any(m["text"].strip() == "Hej Zelda" for m in mail["sent_to_you"])
    assert mail["received_from_you"][0]["outcome"] == "applied"
    # No secrets anywhere: hashes, nonces, the password hash.
    whole = b"".join(v if isinstance(v, bytes) else json.dumps(v).encode() for v in files.values())
    for secret in (b"a" * 64, b"b" * 64, b"c" * 64, b"d" * 64, b"n" * 32, b"pbkdf2"):
        assert secret not in whole
    # Other members' e-mail addresses and phones are not in it.
    assert world.bo.email.encode() not in whole and world.cy.email.encode() not in whole
    # The meetings, read by two independent parsers.
    ics = files["meetings.ics"]
    titles = sorted(e["summary"] for e in read_icalendar(ics))
    assert titles == ["Morgenmøde i april", "Morgenmøde i januar", "Morgenmøde i marts"]
    assert len(read_vobject(ics)) == 3


def test_an_empty_member_exports_empty_files(app):
    from tests.factories import create_member

    member = create_member(name="New Person")
    files = _open(build_export(member))
    assert files["signups.json"] == [] and files["requests.json"] == {"requests": [], "answers_given": []}
    assert read_icalendar(files["meetings.ics"]) == []
    db.session.rollback()


def test_the_export_holds_the_members_photo(app, tmp_path):
    from app.profiles.photos import photo_path

    app.config["PHOTO_DIR"] = str(tmp_path)
    world = build_privacy_world()
    photo_path(world.zelda.photo_key, "large").write_bytes(b"\xff\xd8\xff large jpeg")
    photo_path(world.zelda.photo_key, "small").write_bytes(b"\xff\xd8\xff small jpeg")
    files = _open(build_export(world.zelda))
    assert files["photo.jpg"] == b"\xff\xd8\xff large jpeg"
    assert "photo.jpg" in files["README.txt"].decode("utf-8")
    assert files["profile.json"]["has_photo"] is True
