"""The start page renders in real Chromium without CSP violations or script errors."""

import pytest

pytestmark = pytest.mark.e2e


def test_start_page_renders_without_console_errors(live_server, page):
    page.goto(live_server.url + "/")
    assert page.title().endswith("Kaffeklub")
    page.wait_for_load_state("networkidle")
    assert page.errors == []
