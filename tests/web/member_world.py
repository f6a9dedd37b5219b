"""Compatibility re-exports: the role world now lives in tests/factories.py (`world` fixture in
tests/conftest.py). Import from tests.factories; this module goes once nothing imports it."""

from tests.factories import ROLES, World, build_world, client_for

__all__ = ["ROLES", "World", "build_world", "client_for"]
