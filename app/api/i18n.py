"""The API's language: ?lang, else Accept-Language, else the network's default (Danish).

Every message of an /api/ request is in that language: the problems' titles and details
(app.errors), the services' messages, and the messages marshmallow and webargs raise themselves
("Unknown field.", "Not a valid integer." ...), which `translate_message` maps to the app's own
words (the same as the web forms and the services use, where there is one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from babel import Locale
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.i18n import network_default_language, supported_languages
from app.input_guard import NUMBER_RANGE_MESSAGE


def api_language(requested: str | None = None) -> str:
    """?lang, else the best match of Accept-Language, else the network default (Danish)."""
    languages = supported_languages()
    if requested in languages:
        return requested  # type: ignore[return-value]
    return request.accept_languages.best_match(languages) or network_default_language()


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def select_api_locale() -> None:
    """before_request (app-wide): an /api/ request speaks the API's language from the start, so
    messages raised while parsing (marshmallow, webargs) and the error handlers agree with the view."""
    if not is_api_request():
        return
    from flask_babel import _get_current_context

    lang = request.args.get("lang")
    ctx = _get_current_context()  # where Flask-Babel keeps the request's locale (g._flask_babel)
    if ctx is not None:
        ctx.babel_locale = Locale.parse(api_language(lang if isinstance(lang, str) else None))
        ctx.babel_translations = None


# marshmallow's and webargs' own messages -> the app's words. The msgids are the app's (extracted
# from here), so a Danish caller reads Danish.
FIXED_MESSAGES: dict[str, Any] = {
    "Unknown field.": _l("Unknown field."),
    "Invalid input type.": _l("The request body must be a JSON object."),
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field cannot be null."),
    "Invalid value.": _l("Invalid value."),
    "Not a valid string.": _l("Please enter text."),
    "Not a valid utf-8 string.": _l("Please enter text."),
    "Not a valid integer.": _l("Please enter a whole number."),
    "Not a valid number.": _l("Please enter a number."),
    "Number too large.": NUMBER_RANGE_MESSAGE,
    "Special numeric values (nan or infinity) are not permitted.": _l("Please enter a number."),
    "Not a valid boolean.": _l("Please enter true or false."),
    "Not a valid date.": _l("Please enter a valid date (YYYY-MM-DD)."),
    "Not a valid time.": _l("Please enter a valid time (HH:MM)."),
    "Not a valid datetime.": _l("Please enter a valid date and time."),
    "Not a valid list.": _l("Please enter a list."),
    "Not a valid mapping type.": _l("Please enter an object."),
    "Invalid type.": _l("Please enter an object."),
    "Not a valid email address.": _l("Please enter a valid e-mail address."),
    "Not a valid URL.": _l("Please enter a web address starting with http:// or https://."),
}

_NUMBER = r"(-?\d+(?:\.\d+)?)"
PATTERN_MESSAGES: list[tuple[re.Pattern[str], Callable[..., str]]] = [
    (re.compile(r"Longer than maximum length (\d+)\."),
     lambda n: _("Please use at most %(n)d characters.", n=int(n))),
    (re.compile(r"Shorter than minimum length (\d+)\."),
     lambda n: _("Please use at least %(n)d characters.", n=int(n))),
    (re.compile(r"Length must be between (\d+) and (\d+)\."),
     lambda lo, hi: _("Please use from %(min)d to %(max)d characters.", min=int(lo), max=int(hi))),
    (re.compile(r"Length must be (\d+)\."),
     lambda n: _("Please use exactly %(n)d characters.", n=int(n))),
    (re.compile(rf"Must be greater than or equal to {_NUMBER} and less than or equal to {_NUMBER}\."),
     lambda lo, hi: _("Please enter a number from %(min)s to %(max)s.", min=lo, max=hi)),
    (re.compile(rf"Must be greater than or equal to {_NUMBER}\."),
     lambda lo: _("Please enter a number of at least %(min)s.", min=lo)),
    (re.compile(rf"Must be less than or equal to {_NUMBER}\."),
     lambda hi: _("Please enter a number of at most %(max)s.", max=hi)),
    (re.compile(r"Must be one of: (.*)\."),
     lambda choices: _("Please choose one of: %(choices)s.", choices=choices)),
    (re.compile(r"String does not match expected pattern\."),
     lambda: _("Invalid value.")),
]


def translate_message(message: Any) -> str:
    """One marshmallow/webargs message in the request's language; the app's own messages (already
    translated) come back unchanged."""
    text = str(message)
    fixed = FIXED_MESSAGES.get(text)
    if fixed is not None:
        return str(fixed)
    for pattern, make in PATTERN_MESSAGES:
        match = pattern.fullmatch(text)
        if match:
            return make(*match.groups())
    return text


def translate_messages(messages: Any) -> Any:
    """The same nesting ({field: [messages]} or deeper), every message translated."""
    if isinstance(messages, Mapping):
        return {key: translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_messages(m) for m in messages]
    return translate_message(messages)
