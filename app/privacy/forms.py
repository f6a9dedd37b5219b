"""Forms of the privacy pages: they collect; app.privacy.deletion decides."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField

from app.forms_base import AppForm
from app.privacy.deletion import MAX_REASON
from app.validation import html_limits


class ExportForm(AppForm):
    submit = SubmitField(_l("Download my data"))


class ConfirmByLinkForm(AppForm):
    submit = SubmitField(_l("Send me a login link to confirm"))


class DeleteAccountForm(AppForm):
    confirmation = StringField(
        _l("Type your e-mail address or SLET"),
        render_kw=html_limits(max_length=254, autocomplete="off", spellcheck="false"))
    submit = SubmitField(_l("Delete my account"))


class AdminDeleteForm(AppForm):
    reason = TextAreaField(
        _l("Why (the member's request)"),
        description=_l("E.g. \"Asked by e-mail on 3 May\". Saved in the audit log; do not write the name."),
        render_kw=html_limits(max_length=MAX_REASON))
    confirmation = StringField(
        _l("Type the member's e-mail address or SLET"),
        render_kw=html_limits(max_length=254, autocomplete="off", spellcheck="false"))
    submit = SubmitField(_l("Delete the account"))
