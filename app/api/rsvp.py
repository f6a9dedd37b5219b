"""Sign-ups under /api/v1, over app.rsvp.services (the same rules and messages as the meeting page and
the one-click links in mails).

- `/meetings/{id}/rsvp`: the caller's own answer (GET, PUT yes/no with guests, DELETE = afbud) and
  `/rsvp/substitute` (afbud with a stedfortræder who takes the seat);
- `/meetings/{id}/rsvps`: who comes (every member of the group: the names going; organizers and
  admins: everyone with their answer) and `/rsvps/{member_id}` (an organizer sets an answer);
- `/meetings/{id}/waitlist/promote` (an organizer gives a waiting member or guest a seat) and
  `/meetings/{id}/guests/{guest_id}` (the member's own guest, or any guest for an organizer).

Every refusal is a problem (RFC 9457) in the caller's language: 401 before anything is read, 404 for
a meeting the caller may not see, 403 for one they may see but not answer or manage, 409 for a
cancelled or started meeting, a passed deadline or a full meeting, 422 with every field's messages.
Times are ISO 8601 with the group's UTC offset.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from flask import g
from flask.views import MethodView

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.meetings import FlatErrorsParser, _local, api_locale
from app.api.problems import READ_ERRORS, WRITE_ERRORS, documents_errors
from app.api.rsvp_schemas import (
    LangQuerySchema,
    MemberRsvpSchema,
    MemberStatusInputSchema,
    PromoteInputSchema,
    RsvpInputSchema,
    RsvpListSchema,
    RsvpSchema,
    SubstituteInputSchema,
)
from app.api.spec import TOKEN_REQUIRED, TaggedBlueprint
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.models import MeetingGuest
from app.rsvp import services


class RsvpBlueprint(TaggedBlueprint):
    ARGUMENTS_PARSER = FlatErrorsParser()


blp = RsvpBlueprint("api_rsvp", __name__, url_prefix="/api/v1", tag="Sign-ups",
                    description="Answers to meetings (RSVP and afbud), guests, substitutes and the waitlist")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)

OWN_CONFLICT = ("The meeting is cancelled or has started, or (for `yes`, guests) the sign-up "
                "deadline has passed")
ORGANIZER_CONFLICT = ("The meeting is cancelled, or it is full and `force` is not set, or the person "
                      "is not in the state the action needs")


# --- representation --------------------------------------------------------------------------------


def _zone(meeting) -> ZoneInfo:
    return ZoneInfo(meeting.group.timezone)


def guest_payload(guest: MeetingGuest, position: int | None) -> dict[str, Any]:
    return {
        "id": guest.id,
        "kind": guest.kind,
        "name": guest.name,
        "email": guest.email,
        "company": guest.company,
        "status": guest.status,
        "waitlist_position": position,
    }


def member_ref(member) -> dict[str, Any]:
    """The member as the group's organizers and admins see them (app.visibility: profile and contact)."""
    return {"id": member.id, "name": member.name, "email": member.email, "company": member.company}


def rsvp_payload(answer: services.Answer) -> dict[str, Any]:
    meeting = answer.meeting
    positions = answer.guest_positions
    return {
        "meeting_id": meeting.id,
        "mode": services.mode_of(meeting),
        "status": answer.status,
        "expected": answer.expected,
        "waitlist_position": answer.waitlist_position,
        "message": answer.message,
        "late": answer.late,
        "answered_at": _local(answer.answered_at, _zone(meeting)),
        "guests": [guest_payload(guest, positions.get(guest.id)) for guest in answer.guests],
        "substitute": (guest_payload(answer.substitute, positions.get(answer.substitute.id))
                       if answer.substitute is not None else None),
    }


def counts_payload(counts: services.Counts) -> dict[str, Any]:
    return {
        "capacity": counts.capacity,
        "going": counts.going,
        "members_going": counts.members_going,
        "guests": counts.guests,
        "expected": counts.expected,
        "waitlisted": counts.waitlisted,
        "declined": counts.declined,
        "not_answered": counts.not_answered,
        "free": counts.free,
        "over_by": counts.over_by,
    }


def attendees_payload(attendees: services.AttendeeList) -> dict[str, Any]:
    """The organizers' view: one entry per member (in the list's order: going by name, waitlisted in
    line order, declined, not answered), each with the guests and the substitute they brought."""
    meeting = attendees.meeting
    zone = _zone(meeting)
    guests: dict[int, list[dict[str, Any]]] = {}
    for person in [*attendees.everyone, *attendees.cancelled_guests]:
        if person.is_guest:
            guests.setdefault(person.guest.rsvp.member_id, []).append(
                (person.guest.id, guest_payload(person.guest, person.waitlist_position)))
    entries = []
    for person in attendees.everyone:
        if person.is_guest:
            continue
        rsvp = person.rsvp
        entries.append({
            "member": member_ref(person.member),
            "status": person.status if rsvp is not None else None,
            "expected": person.expected,
            "waitlist_position": person.waitlist_position,
            "forced": person.forced,
            "message": person.message,
            "late": person.late,
            "answered_at": _local(rsvp.answered_at, zone) if rsvp is not None else None,
            "via": rsvp.via if rsvp is not None else None,
            "guests": [payload for _id, payload in sorted(guests.get(person.member.id, []),
                                                          key=lambda pair: pair[0])],
        })
    going = [p.name for p in attendees.going if not p.is_guest]
    return {
        "meeting_id": meeting.id,
        "mode": attendees.mode,
        "full": True,
        "capacity": meeting.capacity,
        "going": sorted(going, key=str.casefold),
        "others_going": 0,  # organizers see every name
        "guests_going": attendees.counts.guests,
        "counts": counts_payload(attendees.counts),
        "attendees": entries,
    }


def going_payload(going: services.GoingList) -> dict[str, Any]:
    return {
        "meeting_id": going.meeting.id,
        "mode": going.mode,
        "full": False,
        "capacity": going.capacity,
        "going": going.names,
        "others_going": going.others_going,
        "guests_going": going.guests_going,
    }


@contextmanager
def answered_as_committed() -> Iterator[None]:
    """The service commits and the answer it returns is turned into JSON afterwards. A commit expires
    every loaded object, so reading the answer would load the meeting, the group, the answer and each
    guest again, one query each, only to get back what was just written; this request's session keeps
    them as committed instead (it ends with the request)."""
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = before


def _fields_renamed(error: ValidationFailed, prefix: str) -> ValidationFailed:
    """The service names a substitute's fields `substitute_name` ...; the API's body says `name`."""
    fields: Mapping[str, list[str]] = error.fields or {}
    return ValidationFailed(error.message,
                            fields={key.removeprefix(prefix): messages for key, messages in fields.items()})


# --- the caller's own answer -----------------------------------------------------------------------


@blp.route("/meetings/<int:meeting_id>/rsvp", endpoint="Rsvp")
class OwnRsvp(MethodView):
    @blp.doc(security=TOKEN_REQUIRED, summary="My answer to a meeting",
             description="For members of the meeting's group: status (`going`, `waitlisted` with the "
                         "place in line, `declined`, or null when not answered), guests and substitute. "
                         "A members-only group the caller is not in answers 404, a public one 403.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, RsvpSchema)
    @documents_errors(blp, *READ_ERRORS)
    @token_required
    def get(self, query, meeting_id):
        with api_locale(query):
            return rsvp_payload(services.my_answer(g.api_user, meeting_id))

    @blp.doc(security=TOKEN_REQUIRED, summary="Answer a meeting: yes (RSVP) or no (afbud)",
             description="`yes` takes a free seat, or the end of the waitlist when the meeting is full "
                         "(the answer says which, with the place in line). `no` is afbud: a seat taken "
                         "is freed and the first in line moves up (and is mailed); the member's guests "
                         "are cancelled. With `guests` the member's list of guests is replaced; each "
                         "guest has their own seat or place in line, behind the member (\"the member "
                         "first\": when fewer seats are free than the party needs, the member gets one "
                         "first). Members may change their answer until the sign-up deadline; after it "
                         "`no` is still accepted and recorded as late, `yes` answers 409. A cancelled "
                         "or started meeting answers 409. In `expected` groups an afbud is mailed to "
                         "the organizers.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(RsvpInputSchema)
    @blp.response(200, RsvpSchema)
    @documents_errors(blp, *WRITE_ERRORS, conflict=OWN_CONFLICT)
    @token_required
    def put(self, query, data, meeting_id):
        with api_locale(query), answered_as_committed():
            outcome = services.answer(g.api_user, meeting_id, data["answer"], message=data.get("message"),
                                      guests=data.get("guests"), via="api")
            return rsvp_payload(outcome.answer)

    @blp.doc(security=TOKEN_REQUIRED, summary="Withdraw my sign-up (afbud)",
             description="The same as answering `no` without a message: the answer becomes `declined`, "
                         "a seat taken is freed and the waitlist moves up; guests are cancelled. After "
                         "the sign-up deadline it is recorded as late. A cancelled or started meeting "
                         "answers 409.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, RsvpSchema)
    @documents_errors(blp, *READ_ERRORS, conflict=OWN_CONFLICT)
    @token_required
    def delete(self, query, meeting_id):
        with api_locale(query), answered_as_committed():
            return rsvp_payload(services.withdraw(g.api_user, meeting_id, via="api").answer)


@blp.put("/meetings/<int:meeting_id>/rsvp/substitute")
@blp.doc(security=TOKEN_REQUIRED, summary="Send a substitute (stedfortræder) instead of coming",
         description="Afbud with a colleague who takes the member's seat, or their place in line (or, if "
                     "the member held neither, signs up like anyone else). The member becomes `declined`, "
                     "their own guests are cancelled, the substitute gets a confirmation mail with their "
                     "own cancel link; a substitute sent before is replaced. Also after the sign-up "
                     "deadline (recorded as late). A cancelled or started meeting answers 409.")
@blp.arguments(LangQuerySchema, location="query")
@blp.arguments(SubstituteInputSchema)
@blp.response(200, RsvpSchema)
@documents_errors(blp, *WRITE_ERRORS, conflict=OWN_CONFLICT)
@token_required
def send_substitute(query, data, meeting_id):
    person = {key: data.get(key) for key in ("name", "email", "company")}
    with api_locale(query), answered_as_committed():
        try:
            outcome = services.send_substitute(g.api_user, meeting_id, person, message=data.get("message"),
                                               via="api")
        except ValidationFailed as error:
            raise _fields_renamed(error, "substitute_") from None
        return rsvp_payload(outcome.answer)


# --- who comes ---------------------------------------------------------------------------------------


@blp.get("/meetings/<int:meeting_id>/rsvps")
@blp.doc(security=TOKEN_REQUIRED, summary="Who comes to a meeting",
         description="Members of the group get the names of the members going (`going`, the expected "
                     "included) and the number of guests coming (`guests_going`), and `full` is false. "
                     "The group's organizers and admins also get `counts` and `attendees`: every member "
                     "of the group with `member` (id, name, email, company), `status`, "
                     "`waitlist_position`, `guests`, `message` (afbud), `answered_at` and `late`, and "
                     "`full` is true. Not paginated: one entry per member of the group. A members-only "
                     "group the caller is not in answers 404, a public one 403.")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(200, RsvpListSchema)
@documents_errors(blp, *READ_ERRORS)
@token_required
def list_rsvps(query, meeting_id):
    with api_locale(query):
        try:
            attendees = services.attendee_list(g.api_user, meeting_id)
        except PermissionDenied:
            return going_payload(services.going_names(g.api_user, meeting_id))
        return attendees_payload(attendees)


# --- organizers --------------------------------------------------------------------------------------


@blp.put("/meetings/<int:meeting_id>/rsvps/<int:member_id>")
@blp.doc(security=TOKEN_REQUIRED, summary="Set a member's answer (organizers)",
         description="For the group's organizers and admins, also after the sign-up deadline and after "
                     "the start (a correction), not for a cancelled meeting. `going` gives a seat (a "
                     "waiting member moves up); when the meeting is full it answers 409 unless `force` "
                     "is true (a seat above the capacity, counted in `over_by`). `waitlisted` puts the "
                     "member at the front of the line; `declined` records afbud (with `message`) and "
                     "frees the seat for the first in line. A member id that is not in the group "
                     "answers 404. Answers with the member's answer and the names of those who moved up.")
@blp.arguments(LangQuerySchema, location="query")
@blp.arguments(MemberStatusInputSchema)
@blp.response(200, MemberRsvpSchema)
@documents_errors(blp, *WRITE_ERRORS, conflict=ORGANIZER_CONFLICT)
@token_required
def set_member_status(query, data, meeting_id, member_id):
    with api_locale(query), answered_as_committed():
        try:
            outcome = services.set_member_status(g.api_user, meeting_id, member_id, data["status"],
                                                 force=data["force"], message=data.get("message"))
        except ValidationFailed as error:
            if set(error.fields) == {"member"}:  # the path names nobody in this group
                raise NotFound(error.fields["member"][0]) from None
            raise
        payload = rsvp_payload(outcome.answer)
        payload["member"] = member_ref(outcome.answer.member)
        payload["promoted"] = outcome.promoted
        return payload


@blp.post("/meetings/<int:meeting_id>/waitlist/promote")
@blp.doc(security=TOKEN_REQUIRED, summary="Give a waiting member or guest a seat (organizers)",
         description="For the group's organizers and admins: `member_id` or `guest_id` (exactly one) moves "
                     "from the waitlist to a seat, out of line, and is mailed. When no seat is free it "
                     "answers 409 unless `force` is true (a seat above the capacity). Someone who is not "
                     "waiting answers 409, someone who never answered 404. Answers with the attendee "
                     "list (as GET .../rsvps gives it to organizers).")
@blp.arguments(LangQuerySchema, location="query")
@blp.arguments(PromoteInputSchema)
@blp.response(200, RsvpListSchema)
@documents_errors(blp, *WRITE_ERRORS, conflict=ORGANIZER_CONFLICT)
@token_required
def promote(query, data, meeting_id):
    holder = (services.MEMBER, data["member_id"]) if data.get("member_id") is not None \
        else (services.GUEST, data["guest_id"])
    with api_locale(query):
        services.promote(g.api_user, meeting_id, holder, force=data["force"])
        return attendees_payload(services.attendee_list(g.api_user, meeting_id))


@blp.delete("/meetings/<int:meeting_id>/guests/<int:guest_id>")
@blp.doc(security=TOKEN_REQUIRED, summary="Remove a guest or substitute",
         description="The member who brought the guest (until the meeting starts) or the group's "
                     "organizers and admins: the guest is cancelled and mailed, and the seat goes to the "
                     "first in line. A guest of another meeting, or someone else's guest, answers 404. "
                     "Removing a guest who is cancelled already changes nothing (204).")
@blp.arguments(LangQuerySchema, location="query")
@blp.response(204)
@documents_errors(blp, *READ_ERRORS, conflict="The meeting is cancelled or (for members) has started")
@token_required
def remove_guest(query, meeting_id, guest_id):
    with api_locale(query):
        if services.guest_for_link(guest_id).meeting_id != meeting_id:
            raise NotFound()
        services.remove_guest(g.api_user, guest_id)
    return None
