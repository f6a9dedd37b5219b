"""End-to-end fixtures: the app served on a free port in a thread, and real Chromium via Playwright.

Chromium is Debian's package (/usr/bin/chromium, or CHROMIUM_PATH); Playwright never downloads
a browser here. Without Chromium the tests skip, which `--fail-on-skip` (CI) turns into failures.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db, limiter
from tests.smtp import free_port

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path or not os.path.exists(path):
        pytest.skip("Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)")
    return path


@dataclass
class LiveServer:
    app: Flask
    url: str

    def app_context(self):
        return self.app.app_context()


@contextmanager
def serve(tmp_path, **config) -> Iterator[LiveServer]:
    """The real app (CSRF on, its own SQLite file) on 127.0.0.1:<free port>, in a thread; `config`
    adds to or overrides the test configuration (e.g. where its mail goes)."""
    port = free_port()
    app = create_app(
        "testing",
        **{"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.db'}", "WTF_CSRF_ENABLED": True,
           "BASE_URL": f"http://127.0.0.1:{port}", **config},
    )
    with app.app_context():
        db.create_all()
    limiter.reset()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveServer]:
    """The real app (CSRF on, development mail page on, mail captured) on 127.0.0.1:<free port>."""
    with serve(tmp_path, MAIL_SERVER="", DEV_MAIL_PAGE=True) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, **context_options):
    """A page in a fresh browser context (no cookies), Danish and in Copenhagen's time zone, with
    console errors collected in page.errors. Close it with page.context.close().

    The context asks for reduced motion, so Bootstrap's collapse and fade end at once (its CSS
    drops the transitions): a test waits for a state (expect(...)) and never races an animation."""
    options = {"locale": "da-DK", "timezone_id": "Europe/Copenhagen", "reduced_motion": "reduce",
               # A desktop wide enough for the whole top bar in one row (narrower: the toggler).
               "viewport": {"width": 1440, "height": 900}, **context_options}
    context = browser.new_context(**options)
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page; console errors are collected in page.errors."""
    page = new_page(browser)
    yield page
    page.context.close()
