"""The JSON API under /api/v1 (flask-smorest), over the same services as the web UI."""

from flask import Flask


def register_api(app: Flask) -> None:
    """Register the API blueprints on the flask-smorest Api object."""
    from app.api import (
        asks,
        auth,
        checkins,
        docs,
        groups,
        invitations,
        ledger,
        me,
        meetings,
        members,
        network,
        privacy,
        public,
        rsvp,
        seating,
    )
    from app.api.guards import refuse_non_json_body
    from app.api.i18n import select_api_locale
    from app.api.spec import document_api, register_tagged
    from app.extensions import api, csrf

    document_api(api)
    app.before_request(select_api_locale)  # every /api/ message in ?lang / Accept-Language / Danish
    app.before_request(refuse_non_json_body)  # a body that is not JSON: 415
    for blp in (me.blp, groups.blp, meetings.blp, rsvp.blp, invitations.blp, checkins.blp, seating.blp,
                network.blp, asks.blp, ledger.blp, members.blp, privacy.blp, public.blp):
        # Stateless: bearer tokens only (app.api.auth), never the session cookie, so CSRF does not apply.
        csrf.exempt(blp)
        register_tagged(api, blp)
    app.register_error_handler(auth.TokenRequired, auth.handle_token_required)
    app.register_error_handler(auth.TokenFailuresThrottled, auth.handle_throttled)
    app.register_blueprint(docs.bp)
