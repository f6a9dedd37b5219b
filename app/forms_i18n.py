"""WTForms' built-in messages ("Not a valid date value." ...) translated from the app's own catalogs.

WTForms ships no Danish catalog, and Flask-WTF only looks in WTForms' own one, so without this a
Danish page would show those messages in English. `install()` points every FlaskForm at the app's
catalog for the current locale; the messages below are listed so `make extract-messages` puts them
in app/translations.
"""

from __future__ import annotations

from flask_babel import get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l


class AppFormTranslations:
    """The object FlaskForm's Meta.get_translations returns: gettext/ngettext from the app's catalog.

    WTForms fills in the placeholders itself, so these must not format anything.
    """

    def gettext(self, string: str) -> str:
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ngettext(singular, plural, n)


def install() -> None:
    """Make FlaskForm use the app's catalogs for WTForms' own messages (once, process-wide)."""
    import flask_wtf.form

    # FlaskForm.Meta.get_translations returns this module attribute (Flask-WTF 1.x).
    flask_wtf.form.translations = AppFormTranslations()


# Only here to be extracted; the numbers are dummies and these are never formatted.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Field must be equal to %(other_name)s."),
    lazy_ngettext("Field must be at least %(min)d character long.",
                  "Field must be at least %(min)d characters long.", 1),
    lazy_ngettext("Field cannot be longer than %(max)d character.",
                  "Field cannot be longer than %(max)d characters.", 1),
    lazy_ngettext("Field must be exactly %(max)d character long.",
                  "Field must be exactly %(max)d characters long.", 1),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid value, can't be any of: %(values)s."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    lazy_ngettext("'%(value)s' is not a valid choice for this field.",
                  "'%(value)s' are not valid choices for this field.", 1),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Invalid CSRF Token."),
    _l("CSRF token missing."),
    _l("CSRF failed."),
    _l("CSRF token expired."),
)
