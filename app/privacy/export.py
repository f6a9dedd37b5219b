"""Everything the app holds about a member, as a ZIP of JSON files and their meetings as .ics.

`build_export(member) -> bytes`. What other people wrote is included only as far as the member may
see it (app.visibility's rule for requests, answers, referrals, help and thanks), and other members
appear by name only (a deleted one as "Tidligere medlem"). Secrets never leave: no token hashes,
password hash or feed nonce; login sessions, links and API tokens as metadata only.
"""

from __future__ import annotations

import email
import io
import json
import zipfile
from datetime import UTC, date, datetime
from email import policy
from typing import Any

from flask_babel import force_locale
from sqlalchemy import or_, select

from app.calendars.feeds import meeting_event
from app.calendars.ical import build_calendar
from app.extensions import db
from app.models import (
    ApiToken,
    CalendarFeed,
    CheckIn,
    Encounter,
    GroupInvitation,
    HelpRecord,
    HelpRequest,
    InboundMail,
    LoginSession,
    LoginToken,
    Meeting,
    MeetingGuest,
    MeetingInvite,
    Member,
    MemberEvent,
    OneToOne,
    OutboxMessage,
    Referral,
    RequestAnswer,
    Rsvp,
    Thanks,
)
from app.profiles.photos import photo_path
from app.visibility import (
    Relation,
    answer_fields,
    help_fields,
    referral_fields,
    request_fields,
    thanks_fields,
)

# What each file is, for README.txt (English and Danish, like the privacy page).
FILES = {
    "profile.json": ("Your profile, contact details, settings and who may see each kind of data.",
                     "Din profil, kontaktoplysninger, indstillinger og hvem der må se hver slags data."),
    "memberships.json": ("Your groups, your role in each and when you joined; invitations to your address.",
                         "Dine grupper, din rolle i hver og hvornår du kom med; "
                         "invitationer til din adresse."),
    "signups.json": ("Your answers to meetings (sign-ups and afbud with your message) and the guests you "
                     "brought.",
                     "Dine svar på møder (tilmeldinger og afbud med din besked) og de gæster, du tog med."),
    "calendar_invitations.json": ("The calendar invitations we sent you and your replies.",
                                  "De kalenderinvitationer, vi sendte dig, og dine svar."),
    "checkins.json": ("The meetings you were checked in at, and visitors you brought.",
                      "De møder, du blev tjekket ind til, og gæster, du havde med."),
    "encounters.json": ("Who you sat with at the tables (other members by name).",
                        "Hvem du sad ved bord med (andre medlemmer ved navn)."),
    "one_to_ones.json": ("Your 1-to-1 meetings.", "Dine 1-til-1-møder."),
    "requests.json": ("Your requests to the network with their answers, and your answers to others.",
                      "Dine forespørgsler til netværket med svarene, og dine svar til andre."),
    "referrals.json": ("Referrals you gave and received.", "Henvisninger, du har givet og fået."),
    "help.json": ("Help you gave and received.", "Hjælp, du har givet og fået."),
    "thanks.json": ("Thank-yous you said and got, with the amounts.",
                    "Tak, du har givet og fået, med beløbene."),
    "history.json": ("What happened to your account and memberships, and who did it.",
                     "Hvad der er sket med din konto og dine medlemskaber, og hvem der gjorde det."),
    "logins.json": ("Your logins (device, address, times), login links and API tokens: no secrets.",
                    "Dine logins (enhed, adresse, tidspunkter), login-links og API-nøgler: "
                    "ingen hemmeligheder."),
    "mail_log.json": ("The e-mails we sent you (subject, date, status; the text while we keep it) and "
                      "mails you sent us.",
                      "De e-mails, vi har sendt dig (emne, dato, status; teksten så længe vi gemmer den), "
                      "og mails du har sendt os."),
    "meetings.ics": ("Your meetings as a calendar file (open it in any calendar).",
                     "Dine møder som kalenderfil (åbn den i en hvilken som helst kalender)."),
}


def _when(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def _person(member: Member | None) -> dict[str, Any] | None:
    """Another member as the export shows them: id and name (a deleted one by the former name)."""
    if member is None:
        return None
    return {"id": member.id, "name": member.name}


def _group(group) -> dict[str, Any] | None:
    return None if group is None else {"id": group.id, "name": group.name, "slug": group.slug}


def _meeting(meeting: Meeting | None) -> dict[str, Any] | None:
    if meeting is None:
        return None
    return {"id": meeting.id, "title": meeting.title, "starts_at": _when(meeting.starts_at),
            "group": _group(meeting.group)}


def _shown(fields: frozenset[str], values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key in fields}


def _moderation(item) -> dict[str, Any]:
    return {"withdrawn_at": _when(item.withdrawn_at), "hidden": item.hidden_at is not None,
            "hidden_reason": item.hidden_reason if item.hidden_at is not None else ""}


# --- the parts --------------------------------------------------------------------------------------


def _profile(member: Member) -> dict[str, Any]:
    return {
        "id": member.id, "name": member.name, "email": member.email, "phone": member.phone,
        "company": member.company, "title": member.title, "industry": member.industry,
        "competencies": member.competency_names, "bio": member.bio, "offers": member.offers,
        "seeks": member.seeks, "website": member.website, "language": member.language,
        "has_photo": member.photo_key is not None, "active": member.active, "is_admin": member.is_admin,
        "has_password": bool(member.password_hash), "created_at": _when(member.created_at),
        "updated_at": _when(member.updated_at), "last_login_at": _when(member.last_login_at),
        "request_notices": member.request_notices,
        "visibility": {kind: level.value for kind, level in member.privacy_levels().items()},
        "share_attendance": member.share_attendance, "hide_network": member.hide_network,
    }


def _memberships(member: Member) -> dict[str, Any]:
    invitations = db.session.scalars(select(GroupInvitation).where(GroupInvitation.email == member.email)
                                     .order_by(GroupInvitation.created_at))
    return {
        "memberships": [{"group": _group(m.group), "role": m.role, "joined_at": _when(m.joined_at)}
                        for m in sorted(member.memberships, key=lambda m: m.joined_at)],
        "invitations": [{"group": _group(i.group), "role": i.role, "name": i.name, "company": i.company,
                         "phone": i.phone, "invited_by": _person(i.invited_by),
                         "created_at": _when(i.created_at), "expires_at": _when(i.expires_at),
                         "accepted_at": _when(i.accepted_at), "declined_at": _when(i.declined_at),
                         "revoked_at": _when(i.revoked_at)} for i in invitations],
    }


def _signups(member: Member) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Rsvp).where(Rsvp.member_id == member.id).order_by(Rsvp.created_at))
    out = []
    for rsvp in rows:
        out.append({
            "meeting": _meeting(rsvp.meeting), "status": rsvp.status, "message": rsvp.message,
            "late": rsvp.late, "via": rsvp.via, "no_show": rsvp.no_show,
            "answered_at": _when(rsvp.answered_at), "answered_by": _person(rsvp.answered_by),
            "guests": [{"kind": g.kind, "name": g.name, "email": g.email, "company": g.company,
                        "status": g.status, "no_show": g.no_show, "created_at": _when(g.created_at),
                        "cancelled_at": _when(g.cancelled_at)} for g in rsvp.guests],
        })
    return out


def _calendar_invitations(member: Member) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(MeetingInvite).where(MeetingInvite.member_id == member.id)
                              .order_by(MeetingInvite.created_at))
    return [{"meeting": _meeting(i.meeting), "sent_to": i.email, "state": i.state, "your_reply": i.partstat,
             "created_at": _when(i.created_at), "last_sent_at": _when(i.last_sent_at),
             "replied_at": _when(i.replied_at)} for i in rows]


def _checkins(member: Member) -> dict[str, Any]:
    own = db.session.scalars(select(CheckIn).where(CheckIn.member_id == member.id)
                             .order_by(CheckIn.checked_in_at))
    visitors = db.session.scalars(select(CheckIn).where(CheckIn.brought_by_id == member.id,
                                                        CheckIn.member_id.is_(None))
                                  .order_by(CheckIn.checked_in_at))
    return {
        "checked_in": [{"meeting": _meeting(c.meeting), "at": _when(c.checked_in_at), "via": c.via,
                        "walk_in": c.walk_in} for c in own],
        "visitors_you_brought": [{"meeting": _meeting(c.meeting), "name": c.name, "email": c.email,
                                  "company": c.company, "at": _when(c.checked_in_at)} for c in visitors],
    }


def _encounters(member: Member) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Encounter).where(
        or_(Encounter.member_a_id == member.id, Encounter.member_b_id == member.id))
        .order_by(Encounter.met_on, Encounter.round))
    return [{"meeting": _meeting(e.meeting), "round": e.round, "table": e.table_no,
             "sat_with": _person(e.member_b if e.member_a_id == member.id else e.member_a),
             "on": _when(e.met_on)} for e in rows]


def _one_to_ones(member: Member) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(OneToOne).where(
        or_(OneToOne.proposer_id == member.id, OneToOne.partner_id == member.id)).order_by(OneToOne.met_on))
    return [{"proposed_by_you": o.proposer_id == member.id,
             "with": _person(o.partner if o.proposer_id == member.id else o.proposer),
             "on": _when(o.met_on), "starts_at": _when(o.starts_at), "duration_minutes": o.duration_minutes,
             "place": o.place, "note": o.note, "status": o.status, "created_at": _when(o.created_at),
             "responded_at": _when(o.responded_at)} for o in rows]


def _answer(answer: RequestAnswer, fields: frozenset[str]) -> dict[str, Any]:
    values = {"id": answer.id, "request_id": answer.request_id, "author": _person(answer.author),
              "kind": answer.kind, "body": answer.body, "referred_member": _person(answer.referred_member),
              "referred_name": answer.referred_name, "private": answer.private,
              "created_at": _when(answer.created_at)}
    return _shown(fields, values)


def _requests(member: Member) -> dict[str, Any]:
    mine = db.session.scalars(select(HelpRequest).where(HelpRequest.author_id == member.id)
                              .order_by(HelpRequest.created_at))
    requests = []
    for request in mine:
        entry = {"id": request.id, "title": request.title, "body": request.body, "category": request.category,
                 "deadline": _when(request.deadline), "status": request.status,
                 "groups": [_group(g) for g in request.groups], "created_at": _when(request.created_at),
                 "solved_at": _when(request.solved_at), "closed_at": _when(request.closed_at),
                 **_moderation(request)}
        answers = []
        for answer in request.answers:
            # The asker is a party to every answer on their request (private ones included).
            withdrawn = answer.withdrawn_at is not None and answer.author_id != member.id
            fields = answer_fields(Relation.PARTY, private=answer.private,
                                   hidden=answer.hidden_at is not None, withdrawn=withdrawn)
            if fields:
                answers.append(_answer(answer, fields))
        entry["answers"] = answers
        requests.append(entry)
    given = db.session.scalars(select(RequestAnswer).where(RequestAnswer.author_id == member.id)
                               .order_by(RequestAnswer.created_at))
    answers_given = []
    for answer in given:
        request = answer.request
        # The other person's request, as a member of its groups sees it.
        request_shown = request_fields(Relation.MEMBER, hidden=request.hidden_at is not None,
                                       withdrawn=request.withdrawn_at is not None)
        answers_given.append({
            **_answer(answer, answer_fields(Relation.PARTY, private=answer.private)),
            **_moderation(answer),
            "request": ({"id": request.id, "title": request.title, "author": _person(request.author)}
                        if {"title", "author"} <= request_shown else {"id": request.id}),
        })
    return {"requests": requests, "answers_given": answers_given}


def _referrals(member: Member) -> dict[str, Any]:
    rows = db.session.scalars(select(Referral).where(
        or_(Referral.giver_id == member.id, Referral.receiver_id == member.id)).order_by(Referral.created_at))
    given, received = [], []
    for r in rows:
        mine = r.giver_id == member.id
        fields = referral_fields(Relation.PARTY, hidden=r.hidden_at is not None,
                                 withdrawn=r.withdrawn_at is not None and not mine)
        if not fields:
            continue
        values = {"id": r.id, "giver": _person(r.giver), "receiver": _person(r.receiver),
                  "group": _group(r.group),
                  "warmth": r.warmth, "status": r.status, "created_at": _when(r.created_at),
                  "status_changed_at": _when(r.status_changed_at), "request_id": r.request_id,
                  "contact_name": r.contact_name, "contact_company": r.contact_company,
                  "contact_phone": r.contact_phone, "contact_email": r.contact_email, "about": r.about}
        (given if mine else received).append({**_shown(fields, values), **_moderation(r)})
    return {"given": given, "received": received}


def _help(member: Member) -> dict[str, Any]:
    rows = db.session.scalars(select(HelpRecord).where(
        or_(HelpRecord.giver_id == member.id, HelpRecord.receiver_id == member.id))
        .order_by(HelpRecord.created_at))
    given, received = [], []
    for h in rows:
        mine = h.recorded_by_id == member.id
        fields = help_fields(Relation.PARTY, hidden=h.hidden_at is not None,
                             withdrawn=h.withdrawn_at is not None and not mine)
        if not fields:
            continue
        values = {"id": h.id, "giver": _person(h.giver), "receiver": _person(h.receiver),
                  "group": _group(h.group),
                  "kind": h.kind, "given_on": _when(h.given_on), "request_id": h.request_id,
                  "created_at": _when(h.created_at), "description": h.description}
        (given if h.giver_id == member.id else received).append({**_shown(fields, values), **_moderation(h)})
    return {"given": given, "received": received}


def _thanks(member: Member) -> dict[str, Any]:
    rows = db.session.scalars(select(Thanks).where(
        or_(Thanks.thanker_id == member.id, Thanks.thanked_id == member.id)).order_by(Thanks.created_at))
    said, got = [], []
    for t in rows:
        mine = t.thanker_id == member.id
        fields = thanks_fields(Relation.PARTY, on_wall=t.wall_by_thanker and t.wall_by_thanked,
                               hidden=t.hidden_at is not None,
                               withdrawn=t.withdrawn_at is not None and not mine)
        if not fields:
            continue
        values = {"id": t.id, "thanker": _person(t.thanker), "thanked": _person(t.thanked),
                  "group": _group(t.group),
                  "kind": t.kind, "referral_id": t.referral_id, "help_id": t.help_id,
                  "created_at": _when(t.created_at), "on_wall": t.wall_by_thanker and t.wall_by_thanked,
                  "message": t.message, "amount_dkk": t.amount_dkk, "wall_by_thanker": t.wall_by_thanker,
                  "wall_by_thanked": t.wall_by_thanked}
        (said if mine else got).append({**_shown(fields, values), **_moderation(t)})
    return {"said": said, "got": got}


def _history(member: Member) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(MemberEvent).where(MemberEvent.member_id == member.id)
                              .order_by(MemberEvent.created_at, MemberEvent.id))
    return [{"kind": e.kind, "by": _person(e.actor), "by_admin": e.actor_is_admin, "group": _group(e.group),
             "detail": e.detail, "at": _when(e.created_at)} for e in rows]


def _logins(member: Member) -> dict[str, Any]:
    sessions = db.session.scalars(select(LoginSession).where(LoginSession.member_id == member.id)
                                  .order_by(LoginSession.created_at))
    links = db.session.scalars(select(LoginToken).where(LoginToken.member_id == member.id)
                               .order_by(LoginToken.created_at))
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.member_id == member.id)
                                .order_by(ApiToken.created_at))
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))
    return {
        "sessions": [{"device": s.user_agent, "ip": s.ip, "remember": s.remember,
                      "created_at": _when(s.created_at), "last_seen_at": _when(s.last_seen_at),
                      "expires_at": _when(s.expires_at), "ended_at": _when(s.revoked_at)} for s in sessions],
        "login_links": [{"purpose": t.purpose, "requested_from": t.requested_ip,
                         "created_at": _when(t.created_at), "expires_at": _when(t.expires_at),
                         "used_at": _when(t.used_at), "revoked_at": _when(t.revoked_at)} for t in links],
        "api_tokens": [{"name": t.name, "starts_with": t.prefix, "created_at": _when(t.created_at),
                        "last_used_at": _when(t.last_used_at), "revoked_at": _when(t.revoked_at)}
                       for t in tokens],
        "calendar_feed": None if feed is None else {"created_at": _when(feed.created_at),
                                                    "rotated_at": _when(feed.rotated_at),
                                                    "show_declined": feed.show_declined},
    }


def mail_text(raw: str) -> str:
    """The plain-text part of a stored MIME message ("" when there is none)."""
    if not raw:
        return ""
    try:
        message = email.message_from_bytes(raw.encode("utf-8", "surrogateescape"), policy=policy.default)
        part = message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""
    except Exception:  # noqa: BLE001  (an unreadable body is left out rather than failing the export)
        return ""


def _mail_log(member: Member) -> dict[str, Any]:
    sent = db.session.scalars(select(OutboxMessage).where(
        or_(OutboxMessage.member_id == member.id, OutboxMessage.recipients == member.email))
        .order_by(OutboxMessage.created_at, OutboxMessage.id))
    inbound = db.session.scalars(select(InboundMail).where(InboundMail.member_id == member.id)
                                 .order_by(InboundMail.received_at))
    return {
        "sent_to_you": [{"subject": m.subject, "kind": m.kind, "to": m.recipients, "status": m.status,
                         "created_at": _when(m.created_at), "sent_at": _when(m.sent_at),
                         "text": mail_text(m.raw)} for m in sent],
        "received_from_you": [{"subject": m.subject, "from": m.sender, "received_at": _when(m.received_at),
                               "outcome": m.outcome, "detail": m.detail} for m in inbound],
    }


def meetings_ics(member: Member) -> bytes:
    """The meetings the member signed up for, answered or was checked in at, as one calendar."""
    answered = select(Rsvp.meeting_id).where(Rsvp.member_id == member.id)
    attended = select(CheckIn.meeting_id).where(CheckIn.member_id == member.id)
    guests = select(MeetingGuest.meeting_id).join(Rsvp, Rsvp.id == MeetingGuest.rsvp_id).where(
        Rsvp.member_id == member.id)
    meetings = db.session.scalars(select(Meeting).where(
        or_(Meeting.id.in_(answered), Meeting.id.in_(attended), Meeting.id.in_(guests)))
        .order_by(Meeting.starts_at, Meeting.id))
    with force_locale(member.language):
        events = [meeting_event(meeting, fields=frozenset({"online_url"})) for meeting in meetings]
    return build_calendar(events, method="PUBLISH", name="Kaffeklub")


def export_parts(member: Member) -> dict[str, Any]:
    """The JSON documents of the export, by file name."""
    return {
        "profile.json": _profile(member),
        "memberships.json": _memberships(member),
        "signups.json": _signups(member),
        "calendar_invitations.json": _calendar_invitations(member),
        "checkins.json": _checkins(member),
        "encounters.json": _encounters(member),
        "one_to_ones.json": _one_to_ones(member),
        "requests.json": _requests(member),
        "referrals.json": _referrals(member),
        "help.json": _help(member),
        "thanks.json": _thanks(member),
        "history.json": _history(member),
        "logins.json": _logins(member),
        "mail_log.json": _mail_log(member),
    }


def _readme(member: Member, now: datetime) -> str:
    lines = [f"Kaffeklub: your data / dine data -- {member.name} -- {now.isoformat(timespec='seconds')}", ""]
    for name, (english, danish) in FILES.items():
        lines += [name, f"  {english}", f"  {danish}", ""]
    if member.photo_key:
        lines += ["photo.jpg", "  Your profile photo (the largest size we keep).",
                  "  Dit profilbillede (den største størrelse, vi gemmer).", ""]
    lines += ["Times are in UTC (ISO 8601). Other members appear by name only.",
              "Tidspunkter er i UTC (ISO 8601). Andre medlemmer står kun med navn.", ""]
    return "\r\n".join(lines)


def build_export(member: Member, *, now: datetime | None = None) -> bytes:
    """The member's export: a ZIP with README.txt, one JSON file per kind of data and meetings.ics."""
    now = now or datetime.now(UTC)
    buffer = io.BytesIO()
    stamp = now.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)

        add("README.txt", _readme(member, now).encode("utf-8"))
        for name, document in export_parts(member).items():
            add(name, json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"))
        add("meetings.ics", meetings_ics(member))
        photo = _photo(member)
        if photo is not None:
            add("photo.jpg", photo)
    return buffer.getvalue()


def _photo(member: Member) -> bytes | None:
    """The largest stored size of the member's profile photo (as it is served), if there is one."""
    if not member.photo_key:
        return None
    try:
        return photo_path(member.photo_key, "large").read_bytes()
    except (OSError, ValueError):
        return None


def export_filename(member: Member, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"kaffeklub-data-{member.id}-{now:%Y%m%d}.zip"
