"""Members and their competencies (their login links and tokens are in app/models/auth.py)."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DDL, Boolean, Column, ForeignKey, Index, String, Table, Text, event, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db
from app.members.search import DOCUMENT_FIELDS, document_of, fold
from app.models.types import LANGUAGE_CODES, UTCDateTime, one_of, utcnow
from app.visibility import PRIVACY_KINDS, Level

member_competencies = Table(
    "member_competencies",
    db.metadata,
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("competency_id", ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True),
)


def normalize_email(email: str) -> str:
    """Emails are unique case-insensitively; we store them trimmed and lower-cased."""
    return (email or "").strip().lower()


SEARCH_FIELDS = ("name", "company", "title", "industry")


def search_text_of(values) -> str:
    """The lower-cased text the directory searches in (competencies are searched in their own,
    already lower-cased, table). Python's lower() folds æ, ø, å; SQLite's lower() does not, so the
    database compares against this column and never lower-cases itself."""
    return "\n".join(str(values.get(key) or "") for key in SEARCH_FIELDS).lower()


def _search_text_default(context) -> str:
    # Also for Core bulk INSERTs (the CSV import), which bypass the ORM validator below.
    return search_text_of(context.get_current_parameters())


def _search_document_default(context) -> str:
    # The folded fields the directory search ranks (app.members.search), also for Core INSERTs.
    return document_of(context.get_current_parameters())


def _search_name_default(context) -> str:
    return fold(context.get_current_parameters().get("name"))


class Competency(db.Model):
    """A tag such as "bookkeeping" or "web design"; shared between members."""

    __tablename__ = "competencies"

    __table_args__ = (
        Index("ix_competencies_search_name", "search_name", postgresql_using="gin",
              postgresql_ops={"search_name": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # The name folded for the directory search (app.members.search.fold: æ -> ae, no accents).
    search_name: Mapped[str] = mapped_column(String(200), default=_search_name_default, server_default="")

    @validates("name")
    def _keep_search_name(self, key: str, value):
        self.search_name = fold(value)
        return value


class Member(UserMixin, db.Model):
    __tablename__ = "members"
    __table_args__ = (
        # A trigram index answers LIKE '%term%' on PostgreSQL (the migration falls back to a
        # B-tree when pg_trgm cannot be installed); SQLite gets a plain index.
        Index("ix_members_search_text", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}),
        # Lists are ordered by name, then id: a page is read off this index, not a sort of all.
        Index("ix_members_name_id", "name", "id"),
        # The directory search's candidates: trigrams answer LIKE '%piece%' (app.members.search).
        Index("ix_members_search_document", "search_document", postgresql_using="gin",
              postgresql_ops={"search_document": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    industry: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    # "Det kan jeg tilbyde" and "Det søger jeg" on the profile and in the directory search.
    offers: Mapped[str] = mapped_column(Text, default="", server_default="")
    seeks: Mapped[str] = mapped_column(Text, default="", server_default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(8), one_of("language", LANGUAGE_CODES), default="da",
                                          server_default="da")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Whether the member's name is shown to the others coming to a meeting (the reminder's "who else
    # is coming" and the "Hvem kommer" list); organizers always see everyone.
    share_attendance: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Hide whom I have met from other members ("Mit netværk" stays mine; organizers see only totals).
    hide_network: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # How new requests from the member's groups reach them (app.models.social.NoticeChoice values):
    # a mail each as they come, a daily or weekly digest, or not at all; and when the last digest went.
    request_notices: Mapped[str] = mapped_column(
        String(10), one_of("request_notices", ("instant", "daily", "weekly", "off")),
        default="weekly", server_default="weekly")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The profile photo: a random key naming its resized files under PHOTO_DIR (app.profiles.photos);
    # None: no photo. A new upload gets a new key, so a cached old photo is never served as the new.
    photo_key: Mapped[str | None] = mapped_column(String(64), default=None)
    # Who sees each kind of the member's data (app.visibility.PRIVACY_KINDS; a Level each):
    # "public" (anyone, and listed on the public pages of their public groups), "members" (the
    # members of the groups they share: the default) or "organizers" (their organizers and admins).
    profile_visibility: Mapped[str] = mapped_column(
        String(12), one_of("profile_visibility", Level), default=Level.MEMBERS.value,
        server_default=Level.MEMBERS.value)
    photo_visibility: Mapped[str] = mapped_column(
        String(12), one_of("photo_visibility", Level), default=Level.MEMBERS.value,
        server_default=Level.MEMBERS.value)
    email_visibility: Mapped[str] = mapped_column(
        String(12), one_of("email_visibility", Level), default=Level.MEMBERS.value,
        server_default=Level.MEMBERS.value)
    phone_visibility: Mapped[str] = mapped_column(
        String(12), one_of("phone_visibility", Level), default=Level.MEMBERS.value,
        server_default=Level.MEMBERS.value)
    # Set when the account was deleted (app.privacy): the row stays, anonymised, so that other
    # members' histories and the groups' statistics stay whole ("a former member").
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Lower-cased name, company, title and industry (search_text_of), kept up to date on every
    # assignment of those fields; what the directory and admin searches compare with.
    search_text: Mapped[str] = mapped_column(String(1000), default=_search_text_default,
                                             server_default="")
    # The directory search's text: DOCUMENT_FIELDS folded (app.members.search.document_of), one line
    # each; kept up to date like search_text. Competencies are in competencies.search_name.
    search_document: Mapped[str] = mapped_column(Text, default=_search_document_default, server_default="")

    # Loaded when used (one query), or eagerly with selectinload() where a page lists them.
    competencies: Mapped[list[Competency]] = relationship(
        secondary=member_competencies, order_by=Competency.name
    )
    memberships: Mapped[list[Membership]] = relationship(  # noqa: F821
        back_populates="member", cascade="all, delete-orphan"
    )

    @validates(*sorted(set(SEARCH_FIELDS) | set(DOCUMENT_FIELDS)))
    def _keep_search_text(self, key: str, value):
        values = {field: getattr(self, field) for field in set(SEARCH_FIELDS) | set(DOCUMENT_FIELDS)}
        values[key] = value
        self.search_text = search_text_of(values)
        self.search_document = document_of(values)
        return value

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to log in inactive members
        return self.active

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def privacy_levels(self) -> dict[str, Level]:
        """Who sees each kind of this member's data: the input of app.visibility.member_fields."""
        levels = {kind: Level(getattr(self, f"{kind}_visibility") or Level.MEMBERS.value)
                  for kind in PRIVACY_KINDS if kind not in ("meetings", "network")}
        # Stored since earlier as booleans with two choices each (members / organizers).
        levels["meetings"] = Level.MEMBERS if self.share_attendance is not False else Level.ORGANIZERS
        levels["network"] = Level.ORGANIZERS if self.hide_network else Level.MEMBERS
        return levels

    @property
    def competency_names(self) -> list[str]:
        return [c.name for c in self.competencies]

    def membership_in(self, group) -> Membership | None:  # noqa: F821
        for membership in self.memberships:
            if membership.group_id == group.id:
                return membership
        return None

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.email}>"



# The trigram operator class the index above uses (create_all; migrations do the same, guarded).
for _table in (Member.__table__, Competency.__table__):
    event.listen(_table, "before_create",
                 DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
