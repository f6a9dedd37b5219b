"""The Danish and English catalogs cover every message in the code, completely and with the same placeholders.

The messages are extracted from the current sources exactly as `make extract-messages` does (same babel.cfg,
same keywords, read from the Makefile), into a temporary file; the catalogs themselves are not touched.
When this fails: run `make extract-messages`, translate the new entries in app/translations/*/messages.po
(English: msgstr = msgid), then `make translations`.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
LANGUAGES = ("da", "en")
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _extract_options() -> list[str]:
    """The -F/-k options of the `pybabel extract` line in the Makefile, so test and make agree."""
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        if "pybabel extract" in line:
            words = shlex.split(line.split("pybabel extract", 1)[1])
            options = []
            for flag, value in zip(words, words[1:], strict=False):
                if flag in ("-F", "-k", "--mapping-file", "--keyword", "--keywords"):
                    options += [flag, value]
            return options
    raise AssertionError("No `pybabel extract` line in the Makefile")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Catalog:
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "-q", "extract", *_extract_options(), "-o", str(pot), "--no-location", "."],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    with pot.open("rb") as handle:
        return read_po(handle)


def _catalog(language: str) -> Catalog:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language, abort_invalid=True)


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {language: _catalog(language) for language in LANGUAGES}


def _forms(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _stray_percent(text: str) -> int:
    """Percent signs that are not placeholders: templates %-format every message, so these must match."""
    return PLACEHOLDER.sub("", text).replace("%%", "").count("%")


def test_extraction_finds_the_messages_of_python_and_templates(extracted):
    ids = {_forms(message.id)[0] for message in extracted if message.id}
    assert len(ids) > 300
    assert "Log in" in ids  # templates and forms
    assert "Please log in to see this page." in ids  # a Python module (lazy_gettext)
    assert "Not a valid integer value." in ids  # WTForms' own messages, via app/forms_i18n.py
    # a {% trans %} block
    assert "Send it in the header <code>Authorization: Bearer &lt;token&gt;</code>." in ids
    plurals = {_forms(message.id) for message in extracted if message.pluralizable}
    assert ("%(num)d member", "%(num)d members") in plurals  # ngettext in a template
    assert ("Field must be at least %(min)d character long.",
            "Field must be at least %(min)d characters long.") in plurals  # lazy_ngettext


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_header_and_plural_rule(catalogs, language):
    catalog = catalogs[language]
    assert str(catalog.locale) == language
    assert catalog.num_plurals == 2
    assert catalog.plural_expr.replace(" ", "") == "(n!=1)"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_extracted_message_is_translated(extracted, catalogs, language):
    catalog = catalogs[language]
    problems = []
    for source in extracted:
        if not source.id:
            continue
        entry = catalog.get(source.id, context=source.context)
        label = _forms(source.id)[0]
        if entry is None:
            problems.append(f"missing: {label!r}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {label!r}")
        if source.pluralizable != entry.pluralizable or _forms(entry.id) != _forms(source.id):
            problems.append(f"plural form differs: {label!r}")
            continue
        strings = _forms(entry.string)
        expected = catalog.num_plurals if source.pluralizable else 1
        if len(strings) != expected or not all(s.strip() for s in strings):
            problems.append(f"empty translation: {label!r}")
    assert not problems, f"{language}: {len(problems)} problems\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(catalogs, language):
    problems = []
    for entry in catalogs[language]:
        if not entry.id or not entry.string:
            continue
        ids = _forms(entry.id)
        for index, text in enumerate(_forms(entry.string)):
            if not text:
                continue
            original = ids[min(index, len(ids) - 1)]
            if _placeholders(text) != _placeholders(original):
                problems.append(f"{original!r}: placeholders {_placeholders(text)} in {text!r}")
            if _stray_percent(text) != _stray_percent(original):
                problems.append(f"{original!r}: a lone % in {text!r}")
    assert not problems, "\n".join(problems)


def test_english_catalog_repeats_the_source_text(catalogs):
    different = [entry.id for entry in catalogs["en"]
                 if entry.id and _forms(entry.string) != _forms(entry.id)]
    assert not different


def test_danish_catalog_is_really_danish(catalogs):
    """Guards against an English catalog copied over the Danish one."""
    catalog = catalogs["da"]
    assert catalog.get("Log in").string == "Log ind"
    assert catalog.get("Log out").string == "Log ud"
    same = [entry.id for entry in catalog if entry.id and _forms(entry.string) == _forms(entry.id)]
    assert len(same) < 0.1 * len(catalog)
