"""The pure CSV reader and writer for member lists (no app, no database)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from app.members import csv_io
from app.members.csv_io import RowStatus, decode_bytes, parse_members_csv, sniff_delimiter, write_members_csv
from app.members.normalize import normalize_competencies, normalize_language, normalize_website

DATA = Path(__file__).resolve().parent.parent / "data"

HEADER = "navn;e-mail;telefon;virksomhed;kompetencer"
ROW = "Søren Ærø;soren@example.dk;+45 20 30 40 50;Ærø Revision ApS;Bogføring, moms"


def codes(messages):
    return [m.code for m in messages]


# --- decoding and sniffing ----------------------------------------------------------------------

@pytest.mark.parametrize("encoded, encoding", [
    (f"{HEADER}\n{ROW}\n".encode(), "utf-8"),
    (b"\xef\xbb\xbf" + f"{HEADER}\n{ROW}\n".encode(), "utf-8-sig"),
    (f"{HEADER}\r\n{ROW}\r\n".encode("cp1252"), "cp1252"),
    (f"{HEADER}\r\n{ROW}\r\n".encode("utf-16"), "utf-16"),
])
def test_danish_letters_survive_every_encoding(encoded, encoding):
    preview = parse_members_csv(encoded)
    assert preview.encoding == encoding
    assert not preview.has_errors, preview.rows[0].errors
    row = preview.rows[0]
    assert row.name == "Søren Ærø"
    assert row.company == "Ærø Revision ApS"
    assert row.competencies == ["bogføring", "moms"]
    assert row.phone == "+45 20 30 40 50"


def test_bom_does_not_end_up_in_the_first_header():
    text, _ = decode_bytes(b"\xef\xbb\xbfnavn;e-mail\n")
    assert text.startswith("navn")
    preview = parse_members_csv(b"\xef\xbb\xbfnavn;e-mail\nA;a@example.dk\n")
    assert preview.ignored_columns == []
    assert preview.rows[0].name == "A"


@pytest.mark.parametrize("line, expected", [
    ("navn;e-mail;firma", ";"),
    ("name,email,company", ","),
    ("name\temail\tcompany", "\t"),
    ('"Navn, fulde";e-mail', ";"),  # a comma inside quotes does not count
    ("name", ","),
])
def test_sniff_delimiter(line, expected):
    assert sniff_delimiter(line) == expected


def test_sample_file_from_danish_excel_reads_cleanly():
    preview = parse_members_csv((DATA / "members_da.csv").read_bytes())
    assert preview.encoding == "cp1252"
    assert preview.delimiter == ";"
    assert not preview.has_errors, [(r.line, r.errors) for r in preview.rows]
    assert [r.name for r in preview.rows] == ["Søren Ærø", "Åse Øberg", "Mikkel Hansen"]
    soren, aase, mikkel = preview.rows
    assert soren.competencies == ["bogføring", "moms", "årsregnskab"]
    assert soren.website == "https://www.aeroe-revision.dk"
    assert aase.language == ""  # empty: the network default is used on import
    assert mikkel.email == "mikkel@hansen-vvs.dk"
    assert mikkel.language == "da"
    assert [r.line for r in preview.rows] == [2, 3, 4]


# --- headers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    "Navn;E-mail;Telefon;Virksomhed;Titel;Branche;Kompetencer;Hjemmeside;Sprog",
    "Name;Email;Phone;Company;Title;Industry;Competencies;Website;Language",
    "NAVN;Mail;Mobil;Firma;Stilling;Branche;Skills;Web;Sprog",
    " name ; E_Mail ; mobile ; company name ; job title ; industry ; tags ; url ; lang ",
])
def test_header_variants_in_danish_and_english(header):
    text = f"{header}\nJens Jensen;jens@example.dk;+4512345678;Jensen A/S;CEO;Byg;tømrer;jensen.dk;en\n"
    preview = parse_members_csv(text.encode())
    assert not preview.has_errors, preview.file_errors or preview.rows[0].errors
    row = preview.rows[0]
    assert (row.name, row.email, row.phone, row.company, row.title, row.industry) == (
        "Jens Jensen", "jens@example.dk", "+4512345678", "Jensen A/S", "CEO", "Byg")
    assert row.competencies == ["tømrer"]
    assert row.website == "https://jensen.dk"
    assert row.language == "en"


def test_first_and_last_name_columns_are_combined():
    preview = parse_members_csv(b"Fornavn;Efternavn;E-mail\nAnne;Larsen;anne@example.dk\n")
    assert preview.rows[0].name == "Anne Larsen"
    assert not preview.has_errors


def test_unknown_columns_are_reported_and_ignored():
    preview = parse_members_csv(b"navn;e-mail;skostoerrelse\nA;a@example.dk;44\n")
    assert preview.ignored_columns == ["skostoerrelse"]
    assert not preview.has_errors


def test_missing_required_column_is_a_file_error():
    preview = parse_members_csv(b"navn;telefon\nA;123\n")
    assert codes(preview.file_errors) == ["missing_columns"]
    assert "email" in preview.file_errors[0].params["columns"]
    assert preview.has_errors and not preview.can_import


@pytest.mark.parametrize("data, code", [(b"", "empty_file"), (b"\n\n", "empty_file"),
                                        (b"navn;e-mail\n;;\n", "no_rows")])
def test_empty_files(data, code):
    preview = parse_members_csv(data)
    assert codes(preview.file_errors) == [code]
    assert not preview.can_import


def test_excel_sep_line_is_understood_and_counted_in_line_numbers():
    preview = parse_members_csv(b"sep=,\nnavn,e-mail\nA,a@example.dk\n")
    assert preview.delimiter == ","
    assert preview.rows[0].line == 3


# --- row validation -----------------------------------------------------------------------------

def test_bad_rows_get_errors_with_line_numbers():
    text = (
        "navn;e-mail;hjemmeside;sprog\n"
        "God Række;god@example.dk;;\n"
        ";uden-navn@example.dk;;\n"  # line 3
        "Uden Mail;;;\n"  # line 4
        "Forkert Mail;ikke-en-mail;;\n"  # line 5
        "Dårlig Side;side@example.dk;ftp://x.dk;\n"  # line 6
        "Fremmed Sprog;sprog@example.dk;;tysk\n"  # line 7
        "\n"
        ";;;\n"  # blank rows are skipped
        "Sidste;sidste@example.dk;;en\n"  # line 10
    )
    preview = parse_members_csv(text.encode())
    by_line = {r.line: r for r in preview.rows}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 10]
    assert by_line[2].status == RowStatus.OK
    assert codes(by_line[3].errors) == ["name_missing"]
    assert codes(by_line[4].errors) == ["email_missing"]
    assert codes(by_line[5].errors) == ["email_invalid"]
    assert codes(by_line[6].errors) == ["website_invalid"]
    assert codes(by_line[7].errors) == ["language_invalid"]
    assert by_line[10].status == RowStatus.OK
    assert preview.count(RowStatus.ERROR) == 5
    assert preview.has_errors and not preview.can_import


def test_duplicate_email_in_the_file_is_an_error_naming_the_first_line():
    text = "name,email\nA,same@example.dk\nB,other@example.dk\nC,SAME@Example.dk\n"
    preview = parse_members_csv(text.encode())
    third = preview.rows[2]
    assert codes(third.errors) == ["email_duplicate"]
    assert third.errors[0].params["line"] == 2
    assert preview.rows[0].status == RowStatus.OK


def test_existing_members_are_reported_not_errors_and_their_other_cells_ignored():
    text = ("navn;e-mail;hjemmeside\nKendt;kendt@example.dk;not a url\n"
            "I gruppen;med@example.dk;\nNy;ny@example.dk;\n")
    preview = parse_members_csv(text.encode(), existing_emails={"kendt@example.dk", "med@example.dk"},
                                emails_in_group={"med@example.dk"})
    known, in_group, new = preview.rows
    assert known.status == RowStatus.EXISTING and codes(known.notes) == ["existing_member"]
    assert in_group.status == RowStatus.EXISTING and codes(in_group.notes) == ["already_in_group"]
    assert new.status == RowStatus.OK
    assert preview.can_import


def test_invite_others_gives_unknown_addresses_one_answer_whatever_they_are():
    # An organizer's import: `existing_emails` holds only the members the organizer can see, so
    # an address of a member they cannot see and a brand-new one must read exactly alike.
    text = ("navn;e-mail;virksomhed;hjemmeside\nSkjult;skjult@example.dk;Firma;not a url\n"
            "Synlig;synlig@example.dk;;\nNy;ny@example.dk;Firma;not a url\n")
    preview = parse_members_csv(text.encode(), existing_emails={"synlig@example.dk"},
                                invite_others=True)
    hidden, visible, new = preview.rows
    assert visible.status == RowStatus.EXISTING
    assert hidden.status == new.status == RowStatus.ERROR  # both validated the same way
    assert codes(hidden.errors) == codes(new.errors) == ["website_invalid"]
    text = "navn;e-mail\nSkjult;skjult@example.dk\nNy;ny@example.dk\n"
    hidden, new = parse_members_csv(text.encode(), existing_emails=set(), invite_others=True).rows
    assert hidden.status == new.status == RowStatus.INVITE
    assert codes(hidden.notes) == codes(new.notes) == ["will_be_invited"]


def test_control_characters_are_a_row_error_not_a_database_failure():
    text = ("navn;e-mail;virksomhed\nNul;nul@example.dk;Fi\x00rma\nGod;god@example.dk;Firma\x1b\n"
            "Ok;ok@example.dk;A\tB\n")
    nul, escape, ok = parse_members_csv(text).rows
    assert codes(nul.errors) == codes(escape.errors) == ["control_characters"]
    assert ok.status == RowStatus.OK


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_recognised(encoding):
    data = f"{HEADER}\r\n{ROW}\r\n".encode(encoding)
    text, found = decode_bytes(data)
    assert found == encoding and "Søren Ærø" in text
    assert parse_members_csv(data).rows[0].status == RowStatus.OK


def test_group_column_is_resolved_against_the_allowed_groups():
    text = "navn;e-mail;grupper\nA;a@example.dk;kaffeklub-vest, Kaffeklub Øst\nB;b@example.dk;hemmelig\n"
    lookup = {"kaffeklub-vest": "kaffeklub-vest", "kaffeklub øst": "kaffeklub-oest"}
    preview = parse_members_csv(text.encode(), groups=lookup)
    assert preview.rows[0].groups == ["kaffeklub-vest", "kaffeklub-oest"]
    assert codes(preview.rows[1].errors) == ["group_unknown"]


def test_too_long_values_are_errors_not_database_failures():
    text = f"navn;e-mail;telefon\n{'x' * 201};a@example.dk;{'1' * 41}\n"
    row = parse_members_csv(text.encode()).rows[0]
    assert sorted(m.params["field"] for m in row.errors) == ["name", "phone"]


def test_row_limit():
    text = "navn;e-mail\n" + "".join(f"P{i};p{i}@example.dk\n" for i in range(5))
    preview = parse_members_csv(text.encode(), max_rows=3)
    assert len(preview.rows) == 3
    assert codes(preview.file_errors) == ["too_many_rows"]


def test_quoted_cells_with_delimiters_and_newlines():
    text = ('navn;e-mail;kompetencer\n"Hansen; Jens";jens@example.dk;"a|b"\n'
            '"To\nlinjer";to@example.dk;\nC;c@example.dk;\n')
    preview = parse_members_csv(text.encode())
    assert preview.rows[0].name == "Hansen; Jens"
    assert preview.rows[0].competencies == ["a", "b"]
    assert preview.rows[1].name == "To linjer"
    assert [r.line for r in preview.rows] == [2, 3, 5]


# --- normalisers --------------------------------------------------------------------------------

def test_normalize_competencies_lowercases_and_deduplicates():
    tags = normalize_competencies(" Bogføring, web  Design|bogføring ,, SEO ")
    assert tags == ["bogføring", "web design", "seo"]


@pytest.mark.parametrize("value, expected", [
    ("", ""), ("https://firma.dk", "https://firma.dk"), ("http://firma.dk/om", "http://firma.dk/om"),
    ("www.firma.dk", "https://www.firma.dk"), ("ftp://firma.dk", None), ("javascript:alert(1)", None),
    ("ikke en url", None), ("https://", None), ("localhost", None), ("https://firma.dk:99999", None),
])
def test_normalize_website(value, expected):
    assert normalize_website(value) == expected


@pytest.mark.parametrize("value, expected", [("da", "da"), ("Dansk", "da"), ("EN", "en"), ("english", "en"),
                                             ("", ""), ("de", None)])
def test_normalize_language(value, expected):
    assert normalize_language(value) == expected


# --- writing ------------------------------------------------------------------------------------

def test_export_is_utf8_with_bom_semicolons_and_crlf():
    data = write_members_csv([{"name": "Søren Ærø", "email": "s@example.dk", "phone": "+45 20 30 40 50",
                               "competencies": ["bogføring", "moms"], "groups": ["kaffeklub-vest"]}])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == ";".join(csv_io.EXPORT_HEADERS[f] for f in csv_io.FIELDS)
    cells = next(csv.reader(io.StringIO(lines[1]), delimiter=";"))
    assert cells[0] == "Søren Ærø"
    assert cells[2] == "+45 20 30 40 50"  # phone numbers are not mistaken for formulas
    assert cells[6] == "bogføring, moms"
    assert cells[9] == "kaffeklub-vest"


def test_export_defuses_formulas_and_import_restores_them():
    data = write_members_csv([{"name": "=HYPERLINK(\"http://evil\")", "email": "f@example.dk",
                               "company": "@SUM(1)"}])
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text
    row = parse_members_csv(data).rows[0]
    assert row.name == '=HYPERLINK("http://evil")'
    assert row.company == "@SUM(1)"


def test_round_trip_export_then_import():
    members = [
        {"name": "Åse Øberg", "email": "ase@example.dk", "phone": "12345678", "company": "Øberg; Design",
         "title": "Ejer", "industry": "Design", "competencies": ["logo", "web design"],
         "website": "https://oberg.dk", "language": "da", "groups": ["kaffeklub-vest"]},
        {"name": "John Smith", "email": "john@example.com", "language": "en"},
    ]
    preview = parse_members_csv(write_members_csv(members), groups={"kaffeklub-vest": "kaffeklub-vest"})
    assert not preview.has_errors, [r.errors for r in preview.rows]
    first = preview.rows[0]
    assert (first.name, first.company, first.competencies, first.website, first.groups) == (
        "Åse Øberg", "Øberg; Design", ["logo", "web design"], "https://oberg.dk", ["kaffeklub-vest"])
    assert preview.rows[1].language == "en"
