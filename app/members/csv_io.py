"""Reading and writing member lists as CSV, the way Danish Excel produces and expects them.

Pure module: no Flask, no database. The caller passes what it knows about the database
(existing e-mail addresses, the groups the importer may use) as plain data, and turns the
message codes in the result into translated text.

Import: bytes -> `parse_members_csv` -> `ImportPreview` (every row with status and messages,
with line numbers as a spreadsheet user counts them). Export: `write_members_csv` -> UTF-8 with
BOM, ";" as delimiter and CRLF line ends, which Danish Excel opens with æøå intact.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from app.members.normalize import (
    COMPETENCY_MAX_LENGTH,
    clean_text,
    normalize_competencies,
    normalize_language,
    normalize_website,
    phone_is_valid,
)

MAX_ROWS = 5000

# The columns a member list can have, in export order.
FIELDS = ("name", "email", "phone", "company", "title", "industry", "competencies", "website",
          "language", "groups")
REQUIRED_FIELDS = ("name", "email")

# Export headers: Danish, since the lists go to Danish Excel; the import accepts all aliases below.
EXPORT_HEADERS = {
    "name": "navn",
    "email": "e-mail",
    "phone": "telefon",
    "company": "virksomhed",
    "title": "titel",
    "industry": "branche",
    "competencies": "kompetencer",
    "website": "hjemmeside",
    "language": "sprog",
    "groups": "grupper",
}

# Header aliases after `_header_key` (lower-case, no spaces, hyphens, dots or underscores).
HEADER_ALIASES: dict[str, str] = {}
for _field, _aliases in {
    "name": ("navn", "name", "fuldtnavn", "fuldenavn", "fullname", "medlem", "kontaktperson"),
    "first_name": ("fornavn", "firstname", "givenname"),
    "last_name": ("efternavn", "lastname", "surname", "familyname"),
    "email": ("email", "mail", "emailadresse", "mailadresse", "emailaddress", "epost"),
    "phone": ("telefon", "tlf", "tlfnr", "telefonnummer", "phone", "phonenumber", "mobil", "mobile",
              "mobilnummer", "mobilnr", "telephone"),
    "company": ("virksomhed", "firma", "firmanavn", "company", "companyname", "organisation",
                "organization", "virksomhedsnavn"),
    "title": ("titel", "title", "stilling", "jobtitel", "jobtitle", "rolle"),
    "industry": ("branche", "industry", "sektor"),
    "competencies": ("kompetencer", "kompetence", "competencies", "competency", "skills", "tags"),
    "website": ("hjemmeside", "website", "web", "url", "webside", "homepage"),
    "language": ("sprog", "language", "lang"),
    "groups": ("grupper", "gruppe", "groups", "group", "klub", "klubber"),
}.items():
    for _alias in _aliases:
        HEADER_ALIASES[_alias] = _field

MAX_LENGTHS = {"name": 200, "email": 254, "phone": 40, "company": 200, "title": 200, "industry": 200}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_LIKE = re.compile(r"^[+\-]?[\d\s()./-]+$")
# C0 control characters other than tab and line breaks (NUL above all: PostgreSQL refuses it).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RowStatus(enum.StrEnum):
    OK = "ok"  # a new member will be created
    EXISTING = "existing"  # already in the network: not modified, only added to the group(s)
    INVITE = "invite"  # gets an invitation and joins on accepting (organizers' imports)
    ERROR = "error"


@dataclass
class Message:
    """A message code with its parameters; the web layer translates it."""

    code: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class ImportRow:
    line: int
    name: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    title: str = ""
    industry: str = ""
    competencies: list[str] = field(default_factory=list)
    website: str = ""
    language: str = ""
    groups: list[str] = field(default_factory=list)  # slugs of extra groups
    errors: list[Message] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)
    existing: bool = False
    invite: bool = False

    @property
    def status(self) -> RowStatus:
        if self.errors:
            return RowStatus.ERROR
        if self.existing:
            return RowStatus.EXISTING
        return RowStatus.INVITE if self.invite else RowStatus.OK


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[Message] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(r.errors for r in self.rows)

    @property
    def can_import(self) -> bool:
        return not self.has_errors and bool(self.rows)

    def count(self, status: RowStatus) -> int:
        return sum(1 for r in self.rows if r.status == status)


# --- decoding ----------------------------------------------------------------------------------

def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding): UTF-8 with or without BOM, UTF-16 with BOM (Excel "Unicode text"),
    else Windows-1252, which is what Danish Excel writes for "CSV (semikolonsepareret)"."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if len(data) >= 4 and data.count(b"\x00") * 3 > len(data):
        # UTF-16 without a byte order mark: every other byte of ASCII text is NUL.
        encoding = "utf-16-le" if data[1] == 0 else "utf-16-be"
        return data.decode(encoding, errors="replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # cp1252 leaves five byte values undefined; replace them rather than fail.
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(first_line: str) -> str:
    """The delimiter of the header line: ";" (Danish Excel), tab, or ",". Quoted parts do not count."""
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: unquoted.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])  # ties keep the order above: ";" first
    return best if counts[best] else ","


def _header_key(header: str) -> str:
    return re.sub(r"[\s\-_.*:]+", "", header.strip().strip('"').lstrip("\ufeff").lower())


def map_headers(headers: list[str]) -> tuple[dict[int, str], list[str]]:
    """Map column index -> field name; also return the headers that were not understood."""
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    used: set[str] = set()
    for index, header in enumerate(headers):
        key = HEADER_ALIASES.get(_header_key(header))
        if key is None or key in used:
            if header.strip():
                ignored.append(header.strip())
            continue
        mapping[index] = key
        used.add(key)
    return mapping, ignored


def _unescape_cell(value: str) -> str:
    """Undo the export's protection against spreadsheet formulas ("'=..." -> "=...")."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value


# --- parsing -----------------------------------------------------------------------------------

def parse_members_csv(
    data: bytes | str,
    *,
    existing_emails: Iterable[str] = (),
    emails_in_group: Iterable[str] = (),
    groups: Mapping[str, str] | None = None,
    languages: Iterable[str] = ("da", "en"),
    max_rows: int = MAX_ROWS,
    test_environment: bool = False,
    invite_others: bool = False,
) -> ImportPreview:
    """Read a member list and say, row by row, what an import would do.

    `existing_emails`: addresses already in the network (lower-case). `emails_in_group`: those
    already in the target group. `groups`: lower-cased slug or name -> slug of the groups the
    importer may add people to (for an optional "groups" column); None ignores that column.
    `test_environment` lets addresses under the special-use domain .test through (tests only).
    `invite_others`: every address not in `existing_emails` is invited rather than created (an
    organizer's import: `existing_emails` then holds only the members the organizer can see, and
    every other address gets the same answer whether or not it belongs to a member).
    """
    if isinstance(data, bytes):
        text, encoding = decode_bytes(data)
    else:
        text, encoding = data.lstrip("\ufeff"), "text"
    preview = ImportPreview(encoding=encoding)
    existing = {e.lower() for e in existing_emails}
    in_group = {e.lower() for e in emails_in_group}
    allowed_languages = frozenset(languages)

    lines = text.splitlines()
    header_offset = 0
    delimiter = None
    # Excel understands (and sometimes writes) a first line "sep=;".
    if lines and lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        delimiter = lines[0].strip()[4]
        text = text.split("\n", 1)[1] if "\n" in text else ""
        header_offset = 1
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        preview.file_errors.append(Message("empty_file"))
        return preview
    delimiter = delimiter or sniff_delimiter(first)
    preview.delimiter = delimiter

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers: list[str] = []
        while not any(h.strip() for h in headers):
            headers = next(reader, None)
            if headers is None:
                preview.file_errors.append(Message("empty_file"))
                return preview
        mapping, preview.ignored_columns = map_headers(headers)
        fields = set(mapping.values())
        missing = [f for f in REQUIRED_FIELDS if f not in fields]
        if "name" in missing and "first_name" in fields:
            missing.remove("name")
        if missing:
            preview.file_errors.append(Message("missing_columns", {"columns": ", ".join(missing)}))
            return preview

        seen_emails: dict[str, int] = {}
        last_line = reader.line_num
        for cells in reader:
            line = last_line + 1 + header_offset
            last_line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(preview.rows) >= max_rows:
                preview.file_errors.append(Message("too_many_rows", {"max": max_rows}))
                break
            values = {name: "" for name in FIELDS + ("first_name", "last_name")}
            for index, key in mapping.items():
                if index < len(cells):
                    values[key] = _unescape_cell(cells[index])
            row = _validate_row(line, values, existing=existing, in_group=in_group, groups=groups,
                                languages=allowed_languages, seen_emails=seen_emails,
                                test_environment=test_environment, invite_others=invite_others)
            preview.rows.append(row)
    except csv.Error as error:
        preview.file_errors.append(Message("unreadable", {"line": reader.line_num, "detail": str(error)}))
        return preview

    if not preview.rows and not preview.file_errors:
        preview.file_errors.append(Message("no_rows"))
    return preview


def _validate_row(line: int, values: dict[str, str], *, existing: set[str], in_group: set[str],
                  groups: Mapping[str, str] | None, languages: frozenset[str],
                  seen_emails: dict[str, int], test_environment: bool = False,
                  invite_others: bool = False) -> ImportRow:
    row = ImportRow(line=line)
    if any(_CONTROL.search(value) for value in values.values()):
        # Nothing a spreadsheet writes; refused rather than stored (or silently altered).
        row.errors.append(Message("control_characters"))
    name = clean_text(values["name"]) or clean_text(f"{values['first_name']} {values['last_name']}")
    row.name = name
    if not name:
        row.errors.append(Message("name_missing"))

    raw_email = values["email"].strip()
    if not raw_email:
        row.errors.append(Message("email_missing"))
    else:
        try:
            validated = validate_email(raw_email, check_deliverability=False,
                                       test_environment=test_environment)
        except EmailNotValidError as error:
            row.email = raw_email.lower()
            row.errors.append(Message("email_invalid", {"email": raw_email, "detail": str(error)}))
        else:
            row.email = validated.normalized.lower()
            if row.email in seen_emails:
                row.errors.append(Message("email_duplicate", {"email": row.email,
                                                              "line": seen_emails[row.email]}))
            else:
                seen_emails[row.email] = line
            if row.email in existing:
                row.existing = True
                row.notes.append(Message("already_in_group" if row.email in in_group
                                         else "existing_member"))
            elif invite_others:
                row.invite = True
                row.notes.append(Message("will_be_invited"))

    if groups is not None:
        for token in normalize_competencies(values["groups"]):
            slug = groups.get(token)
            if slug is None:
                row.errors.append(Message("group_unknown", {"group": token}))
            elif slug not in row.groups:
                row.groups.append(slug)

    if row.existing:
        # Existing members are not modified, so the rest of their row does not matter.
        return row

    for key in ("phone", "company", "title", "industry"):
        setattr(row, key, clean_text(values[key]))
    for key, limit in MAX_LENGTHS.items():
        if len(getattr(row, key)) > limit:
            row.errors.append(Message("too_long", {"field": key, "max": limit}))
    if len(row.phone) <= MAX_LENGTHS["phone"] and not phone_is_valid(row.phone):
        row.errors.append(Message("phone_invalid", {"phone": row.phone}))

    row.competencies = normalize_competencies(values["competencies"])
    for tag in row.competencies:
        if len(tag) > COMPETENCY_MAX_LENGTH:
            row.errors.append(Message("competency_too_long", {"competency": tag,
                                                              "max": COMPETENCY_MAX_LENGTH}))

    website = normalize_website(values["website"])
    if website is None:
        row.errors.append(Message("website_invalid", {"website": values["website"]}))
    else:
        row.website = website

    language = normalize_language(values["language"], languages)
    if language is None:
        row.errors.append(Message("language_invalid", {"language": values["language"],
                                                       "allowed": ", ".join(sorted(languages))}))
    else:
        row.language = language
    return row


# --- writing -----------------------------------------------------------------------------------

def _escape_cell(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection); phone numbers stay."""
    if value.startswith(_FORMULA_START) and not _PHONE_LIKE.match(value):
        return "'" + value
    return value


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def write_members_csv(rows: Iterable[Mapping[str, object]]) -> bytes:
    """CSV bytes for Danish Excel: UTF-8 with BOM, ";" delimiter, CRLF, the import's headers.

    Each row maps field names (see FIELDS) to strings; competencies and groups may be lists.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([EXPORT_HEADERS[f] for f in FIELDS])
    for row in rows:
        writer.writerow([_escape_cell(_cell(row.get(f))) for f in FIELDS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
