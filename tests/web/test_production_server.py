"""The production path: migrations on a fresh PostgreSQL database, then gunicorn with several workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.dbutil import fresh_postgres_database
from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.mark.postgres
def test_gunicorn_serves_the_app_on_postgresql_after_flask_db_upgrade(tmp_path):
    with fresh_postgres_database() as url:
        env = {
            **os.environ,
            "KAFFEKLUB_ENV": "production",
            "SECRET_KEY": "a-long-random-production-secret-for-this-test",
            "DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://"),
            "FORCE_HTTPS": "0",
            "FLASK_APP": "wsgi.py",
        }
        upgrade = subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=120)
        assert upgrade.returncode == 0, upgrade.stderr
        port = free_port()
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--workers", "2",
             "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            body = None
            for _ in range(100):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                        body = response.read().decode()
                        break
                except OSError:
                    time.sleep(0.2)
            assert body is not None, "gunicorn did not answer"
            assert '"database":"ok"' in body.replace(" ", "")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                page = response.read().decode()
                assert response.status == 200
                assert '<html lang="da">' in page
                assert "/dev/mail" not in page
                assert "Content-Security-Policy" in response.headers
                assert response.headers.get_all("Server") is None  # no "gunicorn" (gunicorn.conf.py)
            assert server_header_of(f"http://127.0.0.1:{port}/no-such-page") is None
        finally:
            server.terminate()
            server.wait(timeout=10)


def server_header_of(url: str) -> list[str] | None:
    """Every `Server` header of the answer to `url` (None when there is none), whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our own http URL)
            return response.headers.get_all("Server")
    except urllib.error.HTTPError as error:
        return error.headers.get_all("Server")


def test_the_development_server_sends_no_server_header(tmp_path):
    env = {
        **os.environ,
        "KAFFEKLUB_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
        "FLASK_APP": "wsgi.py",
    }
    port = free_port()
    server = subprocess.Popen([str(BIN / "flask"), "run", "--no-reload", "-p", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        headers = None
        for _ in range(100):
            try:
                headers = server_header_of(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.2)  # waiting for the server to listen, not timing anything
        else:
            raise AssertionError("the development server did not answer")
        assert headers is None  # no "Werkzeug/x.y Python/z"
        assert server_header_of(f"http://127.0.0.1:{port}/no-such-page") is None
    finally:
        server.terminate()
        server.wait(timeout=10)
