"""Calendar invitations by mail: who gets which REQUEST or CANCEL, and when."""

from __future__ import annotations


def connect_receivers() -> None:
    """Connect the receivers of the meeting and sign-up signals."""
