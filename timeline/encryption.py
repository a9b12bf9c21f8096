"""Encryption at rest: every stored event and snapshot sealed with the
library's AES-GCM cipher (:mod:`eventsourcing.cryptography`, on the
``cryptography`` package) under the key in ``TIMELINE_CIPHER_KEY``.

A store is encrypted from its first event or never. Whether its first stored
event is JSON text, or decrypts with the key given, says which, and a
mismatch is one error before anything is read from the views or written.
A first event that is text but not JSON was changed in the store, not
sealed: the store is taken as plain, and ``timeline verify`` names the
broken link.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING

from events.errors import InvalidInput, StoreError

if TYPE_CHECKING:
    from projections.views import StoredEvents

KEY_VARIABLE = "TIMELINE_CIPHER_KEY"
CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"
KEY_BYTES = 32
"""A new key's length: AES-256."""
KEY_SIZES = (16, 24, 32)


def new_key() -> str:
    """A new random key, as ``TIMELINE_CIPHER_KEY`` takes it (base64)."""
    from eventsourcing.cryptography import AESCipher

    return AESCipher.create_key(KEY_BYTES)


def checked_key(text: str) -> str:
    """``text`` if it is a key (the base64 of 16, 24 or 32 bytes)."""
    try:
        size = len(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError):
        size = -1
    if size not in KEY_SIZES:
        raise InvalidInput(
            f"{KEY_VARIABLE} is not a key: expected the base64 of 32 bytes,"
            " as `timeline key create --cipher` prints"
        )
    return text.strip()


def cipher_env(key: str | None) -> dict[str, str]:
    """The library's settings that seal every stored event with ``key``
    (none without a key)."""
    return {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": key} if key else {}


def unsealer(key: str | None) -> Callable[[bytes], bytes] | None:
    """What decrypts the stored states sealed with ``key`` (None: none are)."""
    if not key:
        return None
    from eventsourcing.cryptography import AESCipher
    from eventsourcing.utils import Environment

    return AESCipher(Environment(env=cipher_env(key))).decrypt


def check_store(stored: StoredEvents, key: str | None, shown: str) -> None:
    """Raise StoreError unless the store's events are sealed with ``key``
    (None: not sealed); a store with no events yet takes either."""
    first = stored.after(0, 1)
    if not first:
        return
    state = bytes(first[0][4])
    if _is_plain(state):
        if key:
            raise StoreError(
                f"the store {shown} is not encrypted (its events were written"
                f" without a key): unset {KEY_VARIABLE} to use it; nothing was"
                " written"
            )
        return
    if not key:
        raise StoreError(
            f"the store {shown} is encrypted: set {KEY_VARIABLE} to its key;"
            " nothing was written"
        )
    from eventsourcing.cryptography import AESCipher
    from eventsourcing.utils import Environment

    try:
        AESCipher(Environment(env=cipher_env(key))).decrypt(state)
    except ValueError:
        raise StoreError(
            f"{KEY_VARIABLE} is not the key of the store {shown}: its events do"
            " not decrypt with it; nothing was written"
        ) from None


def _is_plain(state: bytes) -> bool:
    """Whether a stored state was written as plain JSON: it is JSON, or text
    that begins as every plain state does (changed since); a sealed one is
    random bytes, which begin so and decode as UTF-8 about never."""
    import orjson

    try:
        return isinstance(orjson.loads(state), dict)
    except orjson.JSONDecodeError:
        pass
    try:
        return state.startswith(b'{"') and bool(state.decode("utf-8"))
    except UnicodeDecodeError:
        return False
