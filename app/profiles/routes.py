"""Profile pages: the photo, the vCard and the visibility settings ("Privatliv og mine data").

Thin: the services decide (app.profiles.services, app.members.services.get_member_card).
"""

from __future__ import annotations

from flask import Response, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from app.api.auth import authenticate_request
from app.auth.viewers import member_fields_for
from app.errors import ValidationFailed
from app.extensions import csrf
from app.groups.forms import apply_field_errors
from app.members import services as member_services
from app.members.forms import EmptyForm
from app.profiles import bp, photos, services
from app.profiles.forms import VisibilityForm

# The request may be a little larger than the photo itself (the multipart envelope, the token);
# a body above this is cut off by Werkzeug before it is read.
PHOTO_ENVELOPE_BYTES = 64 * 1024


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g}"


# --- the visibility settings ---------------------------------------------------------------------

@bp.route("/profile/privacy", methods=["GET", "POST"])
@login_required
def visibility():
    levels = services.visibility_levels(current_user)
    form = VisibilityForm(data=levels) if request.method == "GET" else VisibilityForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            services.set_visibility(current_user, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        else:
            flash(_("Your privacy settings were saved."), "success")
            return redirect(url_for("profiles.visibility"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("profiles/visibility.html", form=form, errors=errors), status


# --- the photo -----------------------------------------------------------------------------------

def _check_csrf_after_limits() -> None:
    """The upload view is exempt from the automatic CSRF check, which would read the body before
    the view sets its size limit: check the token here instead, after the limit is in place."""
    config = current_app.config
    if config.get("WTF_CSRF_ENABLED", True) and config.get("WTF_CSRF_CHECK_DEFAULT", True):
        csrf.protect()


@bp.post("/profile/photo")
@csrf.exempt
@login_required
def upload_photo():
    limit = current_app.config["PHOTO_MAX_BYTES"]
    request.max_content_length = limit + PHOTO_ENVELOPE_BYTES
    try:
        _check_csrf_after_limits()
        upload = request.files.get("photo")
        data = upload.read(limit + 1) if upload else b""
    except RequestEntityTooLarge:
        flash(_("The photo is larger than %(max)s MB. Please choose a smaller one.",
                max=_megabytes(limit)), "danger")
        return redirect(url_for("members.profile") + "#photo", code=303)
    try:
        services.upload_photo(current_user, data)
    except ValidationFailed as error:
        flash(error.fields.get("photo", [error.message])[0], "danger")
    else:
        flash(_("Your photo was saved."), "success")
    return redirect(url_for("members.profile") + "#photo", code=303)


@bp.post("/profile/photo/remove")
@login_required
def remove_photo():
    if not EmptyForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "danger")
    else:
        services.remove_photo(current_user)
        flash(_("Your photo was removed."), "success")
    return redirect(url_for("members.profile") + "#photo", code=303)


def _photo_viewer():
    """Who asks for a photo: the bearer of an API token (the API hands out these URLs; a wrong
    token is a 401 as in the API), else the logged-in member or an anonymous visitor."""
    if "Authorization" in request.headers:
        authenticate_request()
        return g.api_user
    return current_user


@bp.get("/members/<int:id>/photo/<size>")
def photo(id: int, size: str):
    path, key = services.photo_file(_photo_viewer(), id, size)
    response = send_file(path, mimetype=photos.CONTENT_TYPE, etag=f"{key}-{size}", conditional=True,
                         max_age=0, download_name=f"{id}-{size}{photos.SUFFIX}")
    # Private: a visibility change must reach the next view, so browsers ask again each time
    # (answered by 304 while the photo is the same); shared caches never keep it.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{id}-{size}{photos.SUFFIX}"'
    return response


# --- the vCard -----------------------------------------------------------------------------------

@bp.get("/members/<int:id>.vcf")
@login_required
def vcard(id: int):
    card = member_services.get_member_card(current_user, id)
    result = services.vcard_of(card.member, card.shown)
    return Response(result.text.encode("utf-8"), mimetype="text/vcard",
                    headers={"Content-Type": "text/vcard; charset=utf-8",
                             "Content-Disposition": f'attachment; filename="{result.filename}"',
                             "Cache-Control": "private, no-store",
                             "X-Content-Type-Options": "nosniff"})


# --- template helpers ----------------------------------------------------------------------------

@bp.app_template_global()
def member_photo_urls(member) -> dict[str, str] | None:
    """size -> URL of the member's photo, if there is one the logged-in viewer may see."""
    return services.photo_urls(member, member_fields_for(current_user, member))


@bp.app_template_global()
def photo_limits() -> dict[str, str]:
    """What the upload form says about the files it takes."""
    return {"max_mb": _megabytes(current_app.config["PHOTO_MAX_BYTES"]),
            "accept": "image/jpeg,image/png,image/webp,image/gif"}
