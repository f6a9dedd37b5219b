"""AppForm: the base of every form in the app. It refuses what the database cannot store.

Every field of every form (text, numbers, dates, choices, nested rows) is checked before its own
validators run, so no validator or service ever sees such a value:
- text with a NUL byte or a lone surrogate: "The field contains characters that cannot be saved."
  (the value shown again in the form is cleaned, so the page can be rendered);
- a whole number (IntegerField, or a choice coerced to int) outside the 32-bit column range;
- a date outside the years 1900-2200.
The limits live in app/input_guard.py, which the services use too, so the API gets the same answers.
"""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField
from wtforms.validators import StopValidation

from app.input_guard import (
    NUMBER_RANGE_MESSAGE,
    UNSTORABLE_MESSAGE,
    date_in_range,
    date_range_message,
    has_unstorable,
    int_in_range,
    scrub,
)


def _leaf_fields(fields):
    """Every field that holds a value, walking into FieldList rows and FormField sub-forms."""
    for field in fields:
        if isinstance(field, FieldList):
            yield from _leaf_fields(field.entries)
        elif isinstance(field, FormField):
            yield from _leaf_fields(field.form)
        else:
            yield field


def _problem(field: Field) -> str | None:
    raw = [v for v in (field.raw_data or []) if isinstance(v, str)]
    if any(has_unstorable(v) for v in raw):
        field.raw_data = [scrub(v) if isinstance(v, str) else v for v in field.raw_data]
        if isinstance(field.data, str):
            field.data = scrub(field.data)
        elif isinstance(field.data, list):
            field.data = [scrub(v) if isinstance(v, str) else v for v in field.data]
        return str(UNSTORABLE_MESSAGE)
    values = field.data if isinstance(field.data, list) else [field.data]
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and not int_in_range(value):
            return str(NUMBER_RANGE_MESSAGE)
        if isinstance(value, date) and not date_in_range(value):
            return date_range_message()
    return None


def _refuse(message: str):
    def pre_validate(form):
        raise StopValidation(message)

    return pre_validate


class AppForm(FlaskForm):
    """FlaskForm that refuses unstorable input on the field, before any validator runs."""

    def validate(self, extra_validators=None):
        for field in _leaf_fields(self):
            message = _problem(field)
            if message is not None:
                # Instead of the field's own checks (which may query the database with the value).
                field.pre_validate = _refuse(message)
        return super().validate(extra_validators)
