"""Amounts in whole Danish kroner, as members type them: pure, no Flask, no database.

`parse_amount` reads what a form or the API sent and returns whole kroner (or None for no amount),
or raises `AmountError` naming what is wrong (the service turns the code into a message in the
reader's language). It accepts the ways a Danish business owner writes an amount:

- "12500", "12.500", "12 500", "12.500 kr.", "12.500,-", "12.500,00", "DKK 12500", "12,500.00";
- a JSON number that is whole (12500 or 12500.0).

It refuses negatives, øre ("12,50": amounts are whole kroner), anything above `maximum`, NaN and
infinity, true/false, lists and objects, and text that is not an amount ("tolv").
"""

from __future__ import annotations

import math
import re

NOT_A_NUMBER = "not_a_number"
NEGATIVE = "negative"
FRACTION = "fraction"
TOO_LARGE = "too_large"

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009_']+")
_CURRENCY = re.compile(r"^(dkk|kr\.?)|(dkk|kr\.?|,-|\.-)$", re.IGNORECASE)
_GROUPED = re.compile(r"^[0-9]{1,3}(?:([.,])[0-9]{3})(?:\1[0-9]{3})*$")  # 12.500 / 1,250,000
_GROUPED_DECIMAL = re.compile(r"^([0-9]{1,3}(?:([.,])[0-9]{3})*)([.,])([0-9]{1,2})$")
_PLAIN_DECIMAL = re.compile(r"^([0-9]+)[.,]([0-9]{1,2})$")
_DIGITS = re.compile(r"^[0-9]+$")
MAX_TEXT = 40  # longer text is no amount a person typed


class AmountError(ValueError):
    """What is wrong with an amount: one of NOT_A_NUMBER, NEGATIVE, FRACTION, TOO_LARGE."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _checked(value: int, maximum: int) -> int:
    if value < 0:
        raise AmountError(NEGATIVE)
    if value > maximum:
        raise AmountError(TOO_LARGE)
    return value


def _strip_currency(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _CURRENCY.sub("", text).strip()
    return text


def parse_amount(value: object, maximum: int) -> int | None:
    """Whole kroner from a number or text; None for nothing (None or blank text)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise AmountError(NOT_A_NUMBER)
    if isinstance(value, int):
        return _checked(value, maximum)
    if isinstance(value, float):
        if math.isnan(value):
            raise AmountError(NOT_A_NUMBER)
        if math.isinf(value):
            raise AmountError(NEGATIVE if value < 0 else TOO_LARGE)
        if not value.is_integer():
            raise AmountError(NEGATIVE if value < 0 else FRACTION)
        return _checked(int(value), maximum)
    if not isinstance(value, str):
        raise AmountError(NOT_A_NUMBER)
    text = value.strip()
    if not text:
        return None
    if len(text) > MAX_TEXT:
        raise AmountError(TOO_LARGE if re.fullmatch(r"[-+]?[0-9 .,]+", text) else NOT_A_NUMBER)
    negative = text.startswith(("-", "\u2212"))
    if negative or text.startswith("+"):
        text = text[1:].strip()
    text = _SPACES.sub("", _strip_currency(text.replace("\u2212", "-")))
    text = _strip_currency(text)
    if text.startswith(("-", "\u2212")):  # "kr. -500"
        negative, text = True, text[1:]
    kroner = _kroner(text)
    if negative and kroner > 0:
        raise AmountError(NEGATIVE)
    return _checked(kroner, maximum)


def _kroner(text: str) -> int:
    """The whole kroner in text without sign, spaces or currency."""
    if _DIGITS.match(text):
        return int(text)
    if _GROUPED.match(text):
        return int(re.sub(r"[.,]", "", text))
    grouped = _GROUPED_DECIMAL.match(text)
    if grouped and (grouped.group(2) is None or grouped.group(2) != grouped.group(3)):
        return _whole(grouped.group(1), grouped.group(4))
    plain = _PLAIN_DECIMAL.match(text)
    if plain:
        return _whole(plain.group(1), plain.group(2))
    raise AmountError(NOT_A_NUMBER)


def _whole(kroner: str, ore: str) -> int:
    if int(ore) != 0:
        raise AmountError(FRACTION)
    return int(re.sub(r"[.,]", "", kroner))


def format_dkk(value: int, locale: str) -> str:
    """"12.500 kr." (Danish) or "DKK 12,500" (English): whole kroner in the reader's language."""
    from babel.numbers import format_decimal

    number = format_decimal(value, format="#,##0", locale=locale)
    return f"{number} kr." if str(locale).startswith("da") else f"DKK {number}"
