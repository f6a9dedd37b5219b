"""One home for input rules: the services check, the web forms and the API only collect.

- `FieldErrors` collects every field's messages and raises them together as one ValidationFailed,
  named by field, so the web shows each next to its field and the API lists them all at once.
- `required_messages` lets a service name its own "missing" message per field (e.g. "Please enter
  a title."); the API's input schemas take their required/null messages from the same table, so a
  missing title reads the same on the web and in the API problem.
- `html_limits` turns a service's limits into the browser's attributes (required, maxlength), and
  `Required` marks a field required for the page, so the forms keep the browser's help without
  repeating the rule in a WTForms validator.
- `Lenient*Field`: WTForms fields that hand text they cannot parse to the service unchanged (instead
  of failing the form with WTForms' own words), so the service's message is the one shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from wtforms import DateField, DateTimeLocalField, IntegerField, TimeField

from app.errors import ValidationFailed

Message = Callable[[], str]


class FieldErrors:
    """Collects messages per field; `raise_if_any` turns them into one ValidationFailed."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        message = str(message)
        messages = self.fields.setdefault(field, [])
        if message not in messages:
            messages.append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.fields

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self, message: str | None = None) -> None:
        if self.fields:
            raise ValidationFailed(message or _("Please correct the marked fields."), fields=self.fields)


def phone_message() -> str:
    """The one message for a phone number the services refuse (app.members.normalize.phone_is_valid)."""
    return _("Please enter a phone number with digits, spaces and + - ( ) . only, optionally with an "
             "extension (e.g. +45 12 34 56 78 ext. 12).")


def required_message(messages: Mapping[str, Message], field: str) -> str:
    """The service's "missing" message for `field`, or the general one."""
    make = messages.get(field)
    return make() if make is not None else _("This field is required.")


def html_limits(*, required: bool = False, max_length: int | None = None, **extra: Any) -> dict[str, Any]:
    """render_kw for a form field from the service's limits: the browser helps, the service decides."""
    attrs: dict[str, Any] = dict(extra)
    if required:
        attrs["required"] = True
    if max_length is not None:
        attrs["maxlength"] = max_length
    return attrs


class Required:
    """Marks a field required for the page (the label's mark, the browser's `required`) without
    checking anything: the service says what is missing, in its own words."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


class _Lenient:
    """On text the field cannot parse, keep the text as the value (the service names the mistake);
    empty input is None. The field keeps its WTForms type name, so templates render it as before."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.type = type(self).__mro__[2].__name__  # DateField, TimeField, ...

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError:
            text = " ".join(v for v in valuelist if isinstance(v, str)).strip()
            self.data = text or None


class LenientDateField(_Lenient, DateField):
    pass


class LenientTimeField(_Lenient, TimeField):
    pass


class LenientDateTimeLocalField(_Lenient, DateTimeLocalField):
    pass


class LenientIntegerField(_Lenient, IntegerField):
    pass
