"""Admin page for the network's settings."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import ValidationFailed
from app.settings import services
from app.settings.forms import NetworkSettingsForm

bp = Blueprint("settings", __name__)


@bp.route("/admin/network", methods=["GET", "POST"])
@login_required
def settings():
    current = services.get_settings(current_user)
    form = NetworkSettingsForm(obj=current)
    form.default_language.choices = list(current_app.config["LANGUAGES"].items())
    if form.validate_on_submit():
        data = services.NetworkSettingsData(
            name=form.name.data, default_timezone=form.default_timezone.data,
            default_language=form.default_language.data, country=form.country.data,
            sender_name=form.sender_name.data, sender_email=form.sender_email.data,
            description=form.description.data if "description" in request.form else None)
        try:
            services.update_settings(current_user, data)
        except ValidationFailed as error:
            for name, messages in error.fields.items():
                getattr(form, name).errors = list(messages)
        else:
            flash(_("The network settings were saved."), "success")
            return redirect(url_for("settings.settings"))
    return render_template("settings/settings.html", form=form)
