"""The profile card, the vCard and the visibility settings page ("Privatliv og mine data")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import vobject
from sqlalchemy import select

from app.extensions import db
from app.models import Member, Rsvp
from tests.factories import build_world, client_for, create_meeting, create_member

pytestmark = pytest.mark.usefixtures("english")

PROFILE = dict(name="Søren Ærø Åby", company="Blå Bølge ApS", title="Indehaver", industry="Rådgivning",
               bio="Jeg hjælper små virksomheder.\n\nMed bogføring; moms, løn.", offers="Bogføring og moms",
               seeks="Nye kunder i Østjylland", website="https://blaa-boelge.dk",
               phone="+45 12 34 56 78")


def subject_in(world, **levels) -> Member:
    member = create_member(email="soeren@example.test", groups=[world.a], **PROFILE)
    for kind, level in levels.items():
        setattr(member, f"{kind}_visibility", level)
    db.session.commit()
    return member


def page(client, member) -> str:
    response = client.get(f"/members/{member.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- the card ------------------------------------------------------------------------------------

def test_a_fellow_member_sees_the_whole_default_profile(app, client, login):
    world = build_world()
    subject = subject_in(world)
    login(world.member)
    html = page(client, subject)
    for text in ("Indehaver, Blå Bølge ApS", "Rådgivning", "Bogføring og moms", "Nye kunder i Østjylland",
                 "Med bogføring; moms, løn.", "soeren@example.test", "+45 12 34 56 78",
                 "https://blaa-boelge.dk", "Kaffeklub Aarhus", "What I offer", "looking for"):
        assert text in html, text
    assert f'href="/members/{subject.id}.vcf"' in html


def test_organizers_only_hides_from_members_but_not_from_organizers(app, login):
    world = build_world()
    subject = subject_in(world, profile="organizers", email="organizers", phone="organizers")
    member_page = page(client_for(app, login, world, "member"), subject)
    assert "Søren Ærø Åby" in member_page and "Kaffeklub Aarhus" in member_page  # always: name, groups
    for hidden in ("Blå Bølge", "Rådgivning", "Bogføring og moms", "Østjylland", "soeren@example.test",
                   "+45 12 34 56 78", "blaa-boelge.dk", 'data-field="contact"'):
        assert hidden not in member_page, hidden
    organizer_page = page(client_for(app, login, world, "organizer"), subject)
    for text in ("Blå Bølge", "Bogføring og moms", "soeren@example.test", "+45 12 34 56 78"):
        assert text in organizer_page


def test_outsiders_and_anonymous_do_not_get_the_card(app, login):
    world = build_world()
    subject = subject_in(world, profile="public", email="public")
    assert client_for(app, login, world, "other").get(f"/members/{subject.id}").status_code == 404
    assert client_for(app, login, world, "anonymous").get(f"/members/{subject.id}").status_code == 302


def test_upcoming_meetings_follow_share_attendance(app, login):
    world = build_world()
    subject = subject_in(world)
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    coming = create_meeting(group=world.a, title="Fredagsmøde", starts_at=soon,
                            ends_at=soon + timedelta(hours=1))
    past = create_meeting(group=world.a, title="Gammelt møde", starts_at=soon - timedelta(days=30),
                          ends_at=soon - timedelta(days=30) + timedelta(hours=1))
    other_group = create_meeting(group=world.c, title="Hemmeligt møde", starts_at=soon,
                                 ends_at=soon + timedelta(hours=1))
    for meeting in (coming, past, other_group):
        db.session.add(Rsvp(meeting=meeting, member=subject, status="going"))
    db.session.commit()
    html = page(client_for(app, login, world, "member"), subject)
    assert "Fredagsmøde" in html and 'data-field="meetings"' in html
    assert "Gammelt møde" not in html and "Hemmeligt møde" not in html  # past; a group the viewer is not in
    subject.share_attendance = False
    db.session.commit()
    assert "Fredagsmøde" not in page(client_for(app, login, world, "member"), subject)
    assert "Fredagsmøde" in page(client_for(app, login, world, "organizer"), subject)


def test_hidden_network_shows_counts_to_organizers_only(app, login):
    world = build_world()
    subject = subject_in(world)
    subject.hide_network = True
    db.session.commit()
    member_page = page(client_for(app, login, world, "member"), subject)
    assert 'data-member-network="none"' in member_page
    organizer_page = page(client_for(app, login, world, "organizer"), subject)
    assert 'data-member-network="aggregate"' in organizer_page


def test_the_card_fits_a_phone(app, client, login):
    """No fixed widths that overflow 390 px: the parts wrap (flex-wrap) and long words break."""
    world = build_world()
    subject = subject_in(world)
    login(world.member)
    html = page(client, subject)
    assert 'class="d-flex flex-wrap gap-3' in html and "text-break" in html
    assert 'width="112"' in html or "data-profile-photo" not in html


# --- the vCard -----------------------------------------------------------------------------------

def read_vcard(response):
    assert response.status_code == 200
    assert response.mimetype == "text/vcard"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    return text, vobject.readOne(text)  # an independent parser (we write the vCard by hand)


def test_vcard_has_the_visible_fields_and_danish_letters(app, client, login):
    world = build_world()
    subject = subject_in(world)
    subject.bio = "Lang tekst om æbler, øl og ål; " * 10  # folded over several lines
    db.session.commit()
    login(world.member)
    response = client.get(f"/members/{subject.id}.vcf")
    text, card = read_vcard(response)
    assert 'filename="soeren-aeroe-aaby.vcf"' in response.headers["Content-Disposition"]
    assert card.fn.value == "Søren Ærø Åby"
    assert card.n.value.family == "Åby" and card.n.value.given == "Søren Ærø"
    assert card.org.value == ["Blå Bølge ApS"]
    assert card.title.value == "Indehaver"
    assert card.email.value == "soeren@example.test"
    assert card.tel.value == "+45 12 34 56 78"
    assert card.url.value == "https://blaa-boelge.dk"
    assert card.note.value == subject.bio.strip()


def test_vcard_leaves_out_what_the_viewer_may_not_see(app, login):
    world = build_world()
    subject = subject_in(world, profile="organizers", email="organizers", phone="organizers")
    _, card = read_vcard(client_for(app, login, world, "member").get(f"/members/{subject.id}.vcf"))
    assert card.fn.value == "Søren Ærø Åby"
    for name in ("org", "title", "email", "tel", "url", "note", "categories"):
        assert name not in card.contents, name
    _, full = read_vcard(client_for(app, login, world, "organizer").get(f"/members/{subject.id}.vcf"))
    assert full.email.value == "soeren@example.test"
    assert client_for(app, login, world, "other").get(f"/members/{subject.id}.vcf").status_code == 404
    assert client_for(app, login, world, "anonymous").get(f"/members/{subject.id}.vcf").status_code == 302


def test_vcard_escapes_what_could_break_it(app, client, login):
    world = build_world()
    subject = subject_in(world)
    subject.company = "A; B, C\\D"
    subject.name = "Evil\r\nEND:VCARD\r\nBEGIN:VCARD Name"
    db.session.commit()
    login(world.member)
    text, card = read_vcard(client.get(f"/members/{subject.id}.vcf"))
    lines = text.split("\r\n")
    assert lines.count("BEGIN:VCARD") == 1 and lines.count("END:VCARD") == 1
    assert card.org.value == ["A; B, C\\D"]


# --- the visibility settings page -----------------------------------------------------------------

def test_visibility_page_saves_and_redirects(app, client, login):
    member = login(create_member())
    html = client.get("/profile/privacy").get_data(as_text=True)
    assert "Everyone (public)" in html and "Members of my groups" in html and "Organizers only" in html
    assert "public page of your public groups" in html
    response = client.post("/profile/privacy", data={
        "profile": "public", "photo": "public", "email": "organizers", "phone": "members",
        "meetings": "organizers", "network": "organizers"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/profile/privacy")
    saved = db.session.get(Member, member.id)
    assert (saved.profile_visibility, saved.photo_visibility, saved.email_visibility,
            saved.phone_visibility) == ("public", "public", "organizers", "members")
    assert saved.share_attendance is False and saved.hide_network is True
    html = client.get("/profile/privacy").get_data(as_text=True)
    assert "Your privacy settings were saved." in html
    assert ('<input checked class="form-check-input" id="profile-0" name="profile" type="radio" '
            'value="public">') in html


def test_visibility_defaults_are_members(app, client, login):
    member = login(create_member())
    html = client.get("/profile/privacy").get_data(as_text=True)
    assert html.count('<input checked class="form-check-input"') == 6
    assert html.count('type="radio" value="members">') == 6
    assert db.session.get(Member, member.id).privacy_levels()["email"] == "members"


@pytest.mark.parametrize("data", [
    {"profile": "everyone"},
    {"meetings": "public"},
    {"network": "public"},
    {"email": "\x00"},
    {"phone": "members\x00"},
    {"photo": ""},
])
def test_visibility_page_refuses_wrong_values(app, client, login, data):
    member = login(create_member())
    form = {"profile": "members", "photo": "members", "email": "members", "phone": "members",
            "meetings": "members", "network": "members", **data}
    response = client.post("/profile/privacy", data=form)
    assert response.status_code == 422
    saved = db.session.get(Member, member.id)
    assert saved.privacy_levels() == {k: "members" for k in saved.privacy_levels()}


def test_visibility_page_links_to_export_and_delete_when_they_exist(app, client, login):
    login(create_member())
    html = client.get("/profile/privacy").get_data(as_text=True)
    for endpoint, path in (("privacy.export", "/profile/export"),
                           ("privacy.delete_account", "/profile/delete")):
        assert (path in html) == (endpoint in app.view_functions)


def test_visibility_needs_login_and_csrf(app, client, login):
    assert client.get("/profile/privacy").status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True
    member = login(create_member())
    response = client.post("/profile/privacy", data={"profile": "public"})
    assert response.status_code in (400, 422)
    assert db.session.get(Member, member.id).profile_visibility == "members"


def test_public_profile_shows_public_kinds_to_fellow_members_too(app, login):
    world = build_world()
    subject = subject_in(world, profile="public", email="organizers")
    html = page(client_for(app, login, world, "member"), subject)
    assert "Blå Bølge ApS" in html and "soeren@example.test" not in html
    assert db.session.scalar(select(Member.profile_visibility).where(Member.id == subject.id)) == "public"


def test_vcard_carries_the_photo_only_if_visible(app, login, tmp_path):
    import base64
    import io

    from PIL import Image

    from app.profiles import photos

    app.config["PHOTO_DIR"] = str(tmp_path)
    world = build_world()
    subject = subject_in(world)
    out = io.BytesIO()
    Image.new("RGB", (200, 200), (0, 128, 0)).save(out, format="PNG")
    subject.photo_key = photos.store_photo(photos.process_photo(out.getvalue(), max_bytes=10**7))
    db.session.commit()
    text, card = read_vcard(client_for(app, login, world, "member").get(f"/members/{subject.id}.vcf"))
    assert "photo" in card.contents
    # vobject knows vCard 3's PHOTO (and splits a data URI at its comma): read the unfolded line.
    line = next(x for x in text.replace("\r\n ", "").split("\r\n") if x.startswith("PHOTO:"))
    uri = line.removeprefix("PHOTO:")
    assert uri.startswith("data:image/jpeg;base64,")
    assert Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).size == (96, 96)
    subject.photo_visibility = "organizers"
    db.session.commit()
    _, card = read_vcard(client_for(app, login, world, "member").get(f"/members/{subject.id}.vcf"))
    assert "photo" not in card.contents


def test_profile_pages_are_accessible_with_a_photo(app, client, login, tmp_path):
    """The audit of tests/web/test_accessibility.py on the pages of this feature, with a photo shown."""
    import io

    from PIL import Image

    from app.profiles import photos
    from tests.web.test_accessibility import assert_accessible

    app.config["PHOTO_DIR"] = str(tmp_path)
    world = build_world()
    subject = subject_in(world)
    out = io.BytesIO()
    Image.new("RGB", (50, 50), (1, 2, 3)).save(out, format="GIF")
    subject.photo_key = photos.store_photo(photos.process_photo(out.getvalue(), max_bytes=10**7))
    db.session.commit()
    login(subject)
    for path in ("/profile/privacy", "/profile", f"/members/{subject.id}"):
        result = assert_accessible(client, path)
        assert result.images_without_alt == []
    assert "data-profile-photo" in client.get(f"/members/{subject.id}").get_data(as_text=True)
