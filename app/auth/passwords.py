"""Password hashing with Argon2id (argon2-cffi). Pure: no Flask, no database."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 256  # long enough for any passphrase, short enough that hashing stays cheap

# argon2-cffi's defaults follow RFC 9106's recommendations; when a library upgrade raises them,
# check_needs_rehash() notices and the next successful login stores a stronger hash.
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified when there is no hash, so an unknown address costs as much time as a wrong password."""
    return _hasher.hash("not-a-real-password-only-for-constant-time")


def hash_password(password: str) -> str:
    """An Argon2id hash string (salt and parameters included)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; False for a mismatch, a missing or a malformed hash."""
    if not password_hash:
        _burn_time(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def _burn_time(password: str) -> None:
    try:
        _hasher.verify(_dummy_hash(), password)
    except VerificationError:
        pass
