"""Flask commands. Each feature contributes its own group; this module gathers them."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    import importlib

    # Each module may define `register(app)`; missing ones are features not built yet.
    for module_name in ("app.mail.cli", "app.api.cli", "app.seed", "app.auth.cli"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(app)
