"""Personal access tokens for the JSON API: created on the profile page, shown once."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import Conflict, ValidationFailed
from app.tokens import reveal, services
from app.tokens.forms import CreateTokenForm

bp = Blueprint("tokens", __name__)


@bp.get("/profile/tokens")
@login_required
def index():
    revealed = reveal.pop(current_user.id)
    if revealed is None:
        return _render_index(CreateTokenForm())
    token_id, plaintext = revealed
    new_token = next((t for t in services.list_tokens(current_user) if t.id == token_id), None)
    if new_token is None:  # revoked in the meantime (another tab): nothing to show
        return _render_index(CreateTokenForm())
    # Shown in this response only; no-store keeps it out of the browser's cache, and the session
    # no longer holds it, so a reload shows the list without it.
    response = _render_index(CreateTokenForm(), new_token=new_token, plaintext=plaintext)
    return response, 200, {"Cache-Control": "no-store"}


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
    # POST/redirect/GET: the page that shows the plaintext once is a GET, so a reload or Back
    # neither creates a second token nor shows this one again (app/tokens/reveal.py).
    reveal.remember(token.id, current_user.id, plaintext)
    return redirect(url_for("tokens.index"), 303)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = services.revoke_token(current_user, token_id)
    flash(_("The token \"%(name)s\" has been revoked.", name=token.name), "success")
    return redirect(url_for("tokens.index"))


def _render_index(form: CreateTokenForm, **context):
    return render_template("tokens/index.html", form=form, tokens=services.list_tokens(current_user),
                           **context)
