"""Login tokens never reach the request logs: the development server's and gunicorn's access log
show /login/[redacted] instead of the secret in a login or welcome link."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.auth.log_redaction import redact
from app.auth.tokens import issue_login_link
from app.extensions import db
from tests.factories import create_member
from tests.smtp import free_port
from tests.web.auth_helpers import path_of

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde"  # the shape of ours: 43 URL-safe characters


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own http://127.0.0.1)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(("line", "expected"), [
    (f'"GET /login/{TOKEN} HTTP/1.1" 200 -', '"GET /login/[redacted] HTTP/1.1" 200 -'),
    (f'"POST /login/{TOKEN}?next=%2Fgroups HTTP/1.1" 302 -',
     '"POST /login/[redacted]?next=%2Fgroups HTTP/1.1" 302 -'),
    ('"GET /login/short HTTP/1.1" 404 -', '"GET /login/[redacted] HTTP/1.1" 404 -'),
    ('"GET /login/sent HTTP/1.1" 200 -', '"GET /login/sent HTTP/1.1" 200 -'),
    ('"GET /login/password?next=/ HTTP/1.1" 200 -', '"GET /login/password?next=/ HTTP/1.1" 200 -'),
    ('"POST /login HTTP/1.1" 302 -', '"POST /login HTTP/1.1" 302 -'),
    (f'"GET /invitations/{TOKEN} HTTP/1.1" 200 -', '"GET /invitations/[redacted] HTTP/1.1" 200 -'),
    ('"POST /invitations/abcdefghijklmnopqrstuvwxyz0123456789_-abcde HTTP/1.1" 302 -',
     '"POST /invitations/[redacted] HTTP/1.1" 302 -'),
    (f'"GET /some/other/{TOKEN}/path HTTP/1.1" 200 -', '"GET /some/other/[redacted]/path HTTP/1.1" 200 -'),
    ('"POST /groups/kaffe/invitations/12/withdraw HTTP/1.1" 302 -',
     '"POST /groups/kaffe/invitations/12/withdraw HTTP/1.1" 302 -'),
    ('"GET /groups/kaffeklub-vest-morgenmoede-i-herning/meetings HTTP/1.1" 200 -',
     '"GET /groups/kaffeklub-vest-morgenmoede-i-herning/meetings HTTP/1.1" 200 -'),
])
def test_redact_hides_tokens_and_keeps_other_paths(line, expected):
    assert redact(line) == expected


def test_the_development_server_logs_login_links_redacted(app, caplog):
    member = create_member()
    path = path_of(issue_login_link(member))
    db.session.commit()
    token = path.rsplit("/", 1)[-1]
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            assert _get(f"http://127.0.0.1:{port}{path}?next=%2Fgroups") == 200
            assert _get(f"http://127.0.0.1:{port}/login/{TOKEN}") == 404
    finally:
        server.shutdown()
        thread.join(timeout=10)
    log = caplog.text
    assert '"GET /login/[redacted]?next=/groups HTTP/1.1" 200' in log  # werkzeug logs the decoded path
    assert token not in log and TOKEN not in log


def test_gunicorn_access_log_shows_login_links_redacted(tmp_path):
    env = {
        **os.environ,
        "KAFFEKLUB_ENV": "production",
        "SECRET_KEY": "a-long-random-production-secret-for-this-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn.db'}",
        "FORCE_HTTPS": "0",
        "FLASK_APP": "wsgi.py",
    }
    upgrade = subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    access_log = tmp_path / "access.log"
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(access_log), "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        assert _get(f"http://127.0.0.1:{port}/login/{TOKEN}?next=%2Fgroups") == 404
        assert _get(f"http://127.0.0.1:{port}/login/sent") == 200
        # The access log is written after each response: wait for the last line to appear.
        for _ in range(100):
            text = access_log.read_text() if access_log.exists() else ""
            if "/login/sent" in text:
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "GET /login/[redacted]?next=%2Fgroups HTTP/1.1" in text, text
    assert TOKEN not in text
