"""Raw mail in tests: parsing it as a reader does, its MIME tree, and snapshots of whole messages
or calendar files (tests/data/snapshots; `UPDATE_SNAPSHOTS=1` rewrites them for review)."""

from __future__ import annotations

import difflib
import os
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parent / "data" / "snapshots"


def parse(raw: str):
    return BytesParser(policy=policy.default).parsebytes(raw.encode("utf-8"))


def parts(message) -> list[tuple[str, list[str]]]:
    return [(p.get_content_type(), [c.get_content_type() for c in p.iter_parts()])
            for p in message.walk() if p.is_multipart()]


def assert_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path}; write it with UPDATE_SNAPSHOTS=1 and review it")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                            f"{name} (snapshot)", f"{name} (now)"))
        pytest.fail(f"{name} differs from its snapshot (UPDATE_SNAPSHOTS=1 rewrites it):\n{diff}",
                    pytrace=False)
