"""Personal access tokens for the JSON API: created on the profile page, shown once."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import Conflict, ValidationFailed
from app.tokens import services
from app.tokens.forms import CreateTokenForm

bp = Blueprint("tokens", __name__)


@bp.get("/profile/tokens")
@login_required
def index():
    return _render_index(CreateTokenForm())


@bp.post("/profile/tokens")
@login_required
def create():
    form = CreateTokenForm()
    if not form.validate_on_submit():
        return _render_index(form), 422
    try:
        token, plaintext = services.create_token(current_user, form.name.data)
    except (ValidationFailed, Conflict) as error:
        for field, messages in error.fields.items():
            getattr(form, field).errors = list(messages)
        if not error.fields:
            form.name.errors = [error.message]
        return _render_index(form), 422
    # The plaintext is shown in this response only (never stored, never redirected through the
    # session cookie); no-store keeps it out of the browser's cache.
    response = _render_index(CreateTokenForm(formdata=None), new_token=token, plaintext=plaintext)
    return response, 200, {"Cache-Control": "no-store"}


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = services.revoke_token(current_user, token_id)
    flash(_("The token \"%(name)s\" has been revoked.", name=token.name), "success")
    return redirect(url_for("tokens.index"))


def _render_index(form: CreateTokenForm, **context):
    return render_template("tokens/index.html", form=form, tokens=services.list_tokens(current_user),
                           **context)
