"""Signed exports: an Ed25519 key pair of the user's, and a detached
signature beside an exported file.

The signature is over the file's exact bytes, so anyone holding the file,
its ``FILE.sig`` and the signer's public key can check it with this module
or with ``openssl pkeyutl -verify -rawin``. The ``.sig`` is a small JSON
document; its ``signature`` alone proves anything: the digest, size, name,
store position and head beside it (not signed) say what was signed, for a
reader, and explain a failure. The head (``POSITION:HASH``, see
:mod:`timeline.chain`) ties the file to the record: ``timeline verify
--head`` checks the store still holds all it fixed.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from events.errors import AlreadyExists, InvalidInput, NotFound, excerpt
from events.policy import TextForm, checked

ALGORITHM = "ed25519"
SIG_SUFFIX = ".sig"
KEY_DIR_VARIABLE = "TIMELINE_KEY_DIR"
PRIVATE_NAME = "signing.pem"
PUBLIC_NAME = "signing.pub"
SIG_LIMIT = 64_000
"""Bytes at most of a ``.sig`` read: a real one is a few hundred."""
FIELDS = ("algorithm", "file", "position", "public_key", "sha256", "signature", "size")


class KeyFiles(NamedTuple):
    """Where a key pair is kept: the private key (0600) and the public key."""

    private: Path
    public: Path


class Verified(NamedTuple):
    """What a check of a signed file found: it is what was signed."""

    file: str
    size: int
    sha256: str
    position: int | None
    head: str | None
    """The store's head the file reflects (``POSITION:HASH``), if it names one."""
    key: str
    """The signer's public key: the fingerprint ``SHA256:...`` of its raw bytes."""
    key_checked: bool
    """Whether the key was the one the reader expected (``--key``)."""


def key_files(directory: str | Path | None = None) -> KeyFiles:
    """The key pair in ``directory``, else ``TIMELINE_KEY_DIR``, else
    ``keys/`` in the user data directory (beside the default store)."""
    if directory is None:
        directory = os.environ.get(KEY_DIR_VARIABLE)
        if directory is not None and not directory.strip():
            raise InvalidInput(f"{KEY_DIR_VARIABLE} is empty: leave it out or give one")
    if directory is None:
        from platformdirs import user_data_dir

        from timeline.settings import APP_NAME

        directory = Path(user_data_dir(APP_NAME, appauthor=False)) / "keys"
    folder = Path(
        checked(str(directory), KEY_DIR_VARIABLE, TextForm(4_096, lines=False))
    )
    folder = folder.expanduser().absolute()
    return KeyFiles(folder / PRIVATE_NAME, folder / PUBLIC_NAME)


def create_key(files: KeyFiles, *, force: bool = False) -> Ed25519PublicKey:
    """Make a new key pair in ``files``: the directory 0700 if made here,
    the private key 0600; an existing key is kept unless ``force``."""
    if files.private.exists() and not force:
        raise AlreadyExists(
            f"a signing key exists at {files.private}; give --force to replace it"
            " (files signed with it then verify only against its old public key)"
        )
    files.private.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _replace(files.private, private, 0o600)
    _replace(files.public, public_pem(key.public_key()).encode(), 0o644)
    return key.public_key()


def private_key(files: KeyFiles) -> Ed25519PrivateKey:
    """The private key kept in ``files``."""
    try:
        data = files.private.read_bytes()
    except FileNotFoundError:
        raise NotFound(
            f"no signing key at {files.private}; make one with `timeline key create`"
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{files.private} does not hold an Ed25519 private key")
    return key


def public_key(path: Path) -> Ed25519PublicKey:
    """The public key in the file ``path``: PEM (as ``signing.pub`` and
    ``timeline key show`` give it) or the base64 of its 32 raw bytes."""
    try:
        text = path.read_bytes()[:SIG_LIMIT].strip()
    except OSError as error:
        why = error.strerror
        raise NotFound(f"cannot read the public key {str(path)!r}: {why}") from None
    key = _public_of(text)
    if key is None:
        raise InvalidInput(f"{path} does not hold an Ed25519 public key")
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def public_raw(key: Ed25519PublicKey) -> str:
    """The base64 of the key's 32 raw bytes, as a ``.sig`` holds it."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def fingerprint(key: Ed25519PublicKey) -> str:
    """``SHA256:`` and the unpadded base64 of the raw key's digest, as
    OpenSSH names keys."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def sig_path(path: Path) -> Path:
    return path.with_name(path.name + SIG_SUFFIX)


def sign_file(
    path: Path, key: Ed25519PrivateKey, position: int | None, head: str | None = None
) -> Path:
    """Sign the bytes of ``path`` and write the signature beside it, naming
    the store ``position`` and ``head`` the file reflects."""
    data = path.read_bytes()
    document = {
        "algorithm": ALGORITHM,
        "file": path.name,
        "head": head,
        "position": position,
        "public_key": public_raw(key.public_key()),
        "sha256": hashlib.sha256(data).hexdigest(),
        "signature": base64.b64encode(key.sign(data)).decode(),
        "size": len(data),
    }
    written = sig_path(path)
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    _replace(written, text + b"\n", _mode_of(path))
    return written


def verify_file(
    path: Path, signature: Path | None = None, expected: Ed25519PublicKey | None = None
) -> Verified:
    """Check that ``path`` is byte for byte what its signature (default:
    ``FILE.sig``) was made over, by the ``expected`` key if one is given."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise NotFound(f"cannot read {str(path)!r}: {error.strerror}") from None
    signature = signature or sig_path(path)
    document = _read_sig(signature)
    key = _public_of(document["public_key"].encode())
    if key is None:
        raise InvalidInput(f"{signature} does not hold an Ed25519 public key")
    if expected is not None and public_raw(expected) != public_raw(key):
        raise InvalidInput(
            f"{path} was signed by the key {fingerprint(key)}, not by the expected"
            f" key {fingerprint(expected)}"
        )
    try:
        key.verify(base64.b64decode(document["signature"], validate=True), data)
    except (InvalidSignature, ValueError):
        raise InvalidInput(_mismatch(path, data, document)) from None
    return Verified(
        file=path.name, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        position=document["position"], head=document.get("head"),
        key=fingerprint(key),
        key_checked=expected is not None,
    )  # fmt: skip


def _mismatch(path: Path, data: bytes, document: dict[str, Any]) -> str:
    """Why a file fails its signature, as far as the ``.sig`` tells."""
    why = "it is not byte for byte what was signed"
    if len(data) != document["size"]:
        why += f" ({len(data):,} bytes; {document['size']:,} were signed)"
    elif hashlib.sha256(data).hexdigest() != document["sha256"]:
        why += " (same size, different bytes)"
    else:
        why = "its key did not make it over these bytes (forged or damaged)"
    return f"the signature does not match {path}: {why}"


def _read_sig(path: Path) -> dict[str, Any]:
    """A ``.sig`` document, checked to have every field of its kind."""
    try:
        with path.open("rb") as stream:
            data = stream.read(SIG_LIMIT + 1)
    except FileNotFoundError:
        raise NotFound(
            f"no signature {path} beside the file; sign with `export --sign`"
        ) from None
    except OSError as error:
        raise NotFound(f"cannot read {str(path)!r}: {error.strerror}") from None
    try:
        document = orjson.loads(data) if len(data) <= SIG_LIMIT else None
    except orjson.JSONDecodeError:
        document = None
    bad = _bad_field(document)
    if bad:
        raise InvalidInput(f"{path} is not a signature of this program's: {bad}")
    assert isinstance(document, dict)
    return document


def _bad_field(document: object) -> str | None:
    """What is wrong with a ``.sig`` document (None: nothing)."""
    if not isinstance(document, dict):
        return "not a JSON object"
    missing = [name for name in FIELDS if name not in document]
    if missing:
        return f"it has no {missing[0]!r}"
    if document["algorithm"] != ALGORITHM:
        return f"algorithm {excerpt(str(document['algorithm']))} is not {ALGORITHM}"
    for name in ("public_key", "sha256", "signature", "file"):
        if not isinstance(document[name], str):
            return f"{name!r} is not text"
    if not isinstance(document.get("head"), str | None):
        return "'head' is not text"
    position = document["position"]
    if not isinstance(document["size"], int) or (
        position is not None and not isinstance(position, int)
    ):
        return "'size' or 'position' is not a whole number"
    return None


def _public_of(text: bytes) -> Ed25519PublicKey | None:
    """An Ed25519 public key from PEM or base64 of its raw bytes (None: not one)."""
    try:
        if text.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(text)
            return key if isinstance(key, Ed25519PublicKey) else None
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError):
        return None


def _replace(path: Path, data: bytes, mode: int) -> None:
    """Write ``path`` whole through a temporary file of mode ``mode``."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)  # whatever the umask
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _mode_of(path: Path) -> int:
    """A ``.sig`` is as readable as the file it signs."""
    return path.stat().st_mode & 0o777
