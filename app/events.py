"""What happened, announced in one place: blinker signals that features subscribe to.

The meeting services send these; invitations, the waitlist, feeds and mail subscribe to them.
Nothing in `app.meetings` imports a subscriber, so a new capability is a package that connects
its receivers (e.g. in its `init_app`) rather than a set of edits inside the meetings package.

Contract:

- A signal is sent by the service AFTER the change is flushed (ids exist, the rows are written in
  the open transaction and locked where the service locks) and BEFORE the service commits.
- Receivers run synchronously, in the sender's request and database transaction (`db.session`).
  What a receiver writes (an outbox mail, a waitlist move) commits together with the change, or
  rolls back with it: if a receiver raises, the exception propagates, the service does not commit,
  and neither the change nor anything a receiver wrote is kept. So a receiver must not commit,
  must not talk to the outside world directly (no SMTP, no HTTP: write an outbox row instead) and
  should be quick, because the changed rows stay locked until the commit.
- The sender is the meeting (`signal.send(meeting, ...)`); the keyword arguments are named below.
  `scope` says which use case sent it: "this" (one meeting), "following" (this and the later
  meetings of its series; sent once per changed meeting), "series" (a series' host rotation).

Signals:

- `meeting_created(meeting)`: a new meeting, alone or from a series.
- `meeting_changed(meeting, fields, scope)`: `fields` is {column: [old, new]} (JSON values, as in the
  change history); sent only when something changed.
- `meeting_cancelled(meeting, reason, scope)`: the meeting is now cancelled.
- `seat_freed(meeting)`: seats at the meeting became free outside a sign-up use case (sent by
  `app.rsvp` when a meeting's capacity grows); the sign-up package's receiver moves the waitlist up.

- `group_changed(group, fields)`: a group's sign-up settings changed (`fields` is {name: [old, new]};
  sent when `rsvp_mode` changes). Sender: the group.
- `member_left(member, group_ids)`: the member no longer takes part in these groups (removed from a
  group, or deactivated: then all their groups). Sender: the member. Sign-ups give up their seats at
  the groups' coming meetings.

- `rsvp_changed(meeting, member_id, guest_id, old, new, via)`: a member's or a guest's sign-up status
  changed (sent by `app.rsvp.services` once per person and change, after the flush, before the
  commit). Exactly one of `member_id` / `guest_id` is set; `old` is None when the person had no
  row yet (not answered, a new guest), `old`/`new` are RsvpStatus values for members ("going",
  "waitlisted", "declined") and GuestStatus values for guests ("going", "waitlisted",
  "cancelled"). `via` is the channel of the member's answer ("web", "link", "api", "calendar",
  "organizer", "system" when they left the group), "promotion" for a move up from the waitlist,
  and for guests "guest" (the member's or an organizer's action) or the guest's own link ("link").
  A receiver may return True when it has written a mail that tells that person about the change
  (e.g. the calendar copy saying "you have a seat", or a guest's calendar invitation): the sign-up
  package then leaves out its own mail to that person about it (rsvp_promoted, the guest's
  confirmation or cancellation), so nobody gets two mails for one change.

- `meeting_closed(meeting, actor)`: the meeting is closed after it took place (an organizer pressed
  "Close the meeting", or `flask meetings send-due` closed it automatically; `actor` is then None).
  Sent by `app.checkin.services` after the no-shows are marked; `app.connections` records who sat
  with whom. It may be sent again for a meeting already closed (attendance corrected afterwards):
  receivers must be idempotent (replace what they recorded for the meeting).
- `periodic_work(now)`: sent by `flask meetings send-due` (cron, every 5 minutes) with the current
  time; sender None. A receiver does the work that is due (and commits it itself, as a service
  does) and returns {kind: count} for the command's summary line; it must be safe when two runs
  overlap. Unlike the signals above it runs outside any request and transaction.

- `request_posted(request)`: a member asked the network (`HelpRequest`, sender); sent by
  `app.asks.services` after the flush. The notices receiver mails the members who want new requests
  as they come.
- `request_solved(request, helper_ids, actor)`: the asker marked the request solved and named who
  helped (member ids, possibly none); the ledger records help given and received for each.

Connect with `meeting_changed.connect(receiver)` (a strong reference; the receiver is a module-level
function) and disconnect in tests with `meeting_changed.connected_to(receiver)`.
"""

from __future__ import annotations

from blinker import Namespace

SCOPE_THIS = "this"
SCOPE_FOLLOWING = "following"
SCOPE_SERIES = "series"

signals = Namespace()

meeting_created = signals.signal("meeting-created", doc="A meeting was created. Sender: the meeting.")
meeting_changed = signals.signal(
    "meeting-changed", doc="A meeting was changed. Sender: the meeting; fields={name: [old, new]}, scope."
)
meeting_cancelled = signals.signal(
    "meeting-cancelled", doc="A meeting was cancelled. Sender: the meeting; reason, scope."
)
seat_freed = signals.signal("seat-freed", doc="A seat at a meeting became free. Sender: the meeting.")
group_changed = signals.signal(
    "group-changed", doc="A group's sign-up settings changed. Sender: the group; fields={name: [old, new]}."
)
member_left = signals.signal(
    "member-left", doc="A member left groups (removed or deactivated). Sender: the member; group_ids."
)
rsvp_changed = signals.signal(
    "rsvp-changed",
    doc="A member's or guest's sign-up status changed. Sender: the meeting; member_id, guest_id, old, new,"
    " via.",
)
meeting_closed = signals.signal(
    "meeting-closed", doc="A meeting was closed after it took place. Sender: the meeting; actor."
)
periodic_work = signals.signal(
    "periodic-work", doc="Due work at `now` (flask meetings send-due). Sender: None; returns {kind: count}."
)
request_posted = signals.signal("request-posted", doc="A member asked the network. Sender: the request.")
request_solved = signals.signal(
    "request-solved", doc="A request was marked solved. Sender: the request; helper_ids, actor."
)

__all__ = [
    "SCOPE_FOLLOWING",
    "SCOPE_SERIES",
    "SCOPE_THIS",
    "group_changed",
    "meeting_cancelled",
    "meeting_changed",
    "meeting_closed",
    "meeting_created",
    "member_left",
    "periodic_work",
    "request_posted",
    "request_solved",
    "rsvp_changed",
    "seat_freed",
    "signals",
]
