"""Page and API timings on the seeded demo network (40 members), through the Flask test client."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from app import create_app
from app.extensions import db

SERIES = {"title": "Morgenmøde", "frequency": "monthly_nth_weekday", "nth": 3, "weekday": 2,
          "starts_on": f"{date.today().year + 1}-01-01", "ends_on": f"{date.today().year + 1}-12-31",
          "start_time": "08:30", "end_time": "10:00", "doors_open_time": "08:00", "skip_months": [7],
          "holiday_policy": "skip"}


def run(tmp: Path, *, repeat: int, measure) -> list[tuple[str, float]]:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'bench.db'}", MAIL_SERVER="")
    with app.app_context():
        from app.models import Member
        from app.seed import DEMO_ADMIN_EMAIL, seed_demo
        from app.tokens.services import create_token

        db.create_all()
        seed_demo()
        admin = db.session.scalar(select(Member).where(Member.email == DEMO_ADMIN_EMAIL))
        _, api_token = create_token(admin, "bench")
        admin_id = admin.id
        from app.models import Meeting

        meeting_id = db.session.scalar(select(Meeting.id).order_by(Meeting.starts_at.desc()))
        year_start = f"{date.today().year - 1}-01-01"

    with app.app_context():
        from app.auth.sessions import create_session

        _, login_token = create_session(db.session.get(Member, admin_id), remember=False)
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login_token  # a real login record (app/auth/sessions.py)
    anonymous = app.test_client()
    bearer = {"Authorization": f"Bearer {api_token}"}

    def post_json(c, url, body, **kw):
        def call():
            response = c.post(url, json=body, **kw)
            assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True))
        return call

    def get(c, url, **kw):
        def call():
            response = c.get(url, **kw)
            assert response.status_code == 200, (url, response.status_code)
        return call

    rows = [
        ("baseline: GET /healthz", get(anonymous, "/healthz")),
        ("GET / (anonymous)", get(anonymous, "/")),
        ("GET / (admin)", get(client, "/")),
        ("GET /groups/kaffeklub-vest/members (admin)", get(client, "/groups/kaffeklub-vest/members")),
        ("GET /members directory (admin, all members)", get(client, "/members")),
        ("GET /admin/members/export.csv", get(client, "/admin/members/export.csv")),
        ("API GET /api/v1/groups/kaffeklub-vest/members",
         get(anonymous, "/api/v1/groups/kaffeklub-vest/members", headers=bearer)),
        ("API GET /api/v1/openapi.json", get(anonymous, "/api/v1/openapi.json")),
        ("GET /groups/kaffeklub-vest/meetings (admin)", get(client, "/groups/kaffeklub-vest/meetings")),
        ("GET /groups/kaffeklub-vest/meetings?view=month",
         get(client, "/groups/kaffeklub-vest/meetings?view=month")),
        ("GET /meetings/<id> (admin)", get(client, f"/meetings/{meeting_id}")),
        ("API GET /api/v1/groups/kaffeklub-vest/meetings (a year)",
         get(anonymous, f"/api/v1/groups/kaffeklub-vest/meetings?from={year_start}", headers=bearer)),
        ("API POST series dry run (3rd Wednesday, one year)", post_json(
            anonymous, "/api/v1/groups/kaffeklub-vest/series?dry_run=true", SERIES, headers=bearer)),
    ]
    return [(name, measure(fn, repeat=repeat)) for name, fn in rows]
