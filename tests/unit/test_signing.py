"""Signed exports and cipher keys, on real files: a key pair made private,
a signature that holds for the exact bytes signed and for nothing else."""

from __future__ import annotations

import base64
import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from events.errors import AlreadyExists, InvalidInput, NotFound
from timeline import signing
from timeline.encryption import checked_key, new_key

TEXT = b"# Beijing talks\n\nFollow-up round announced.\n"


def signed(tmp_path: Path, data: bytes = TEXT) -> tuple[Path, signing.KeyFiles]:
    files = signing.key_files(tmp_path / "keys")
    signing.create_key(files)
    export = tmp_path / "brief.md"
    export.write_bytes(data)
    signing.sign_file(export, signing.private_key(files), 42)
    return export, files


def test_a_new_key_pair_is_private_to_its_owner(tmp_path: Path) -> None:
    files = signing.key_files(tmp_path / "keys")
    public = signing.create_key(files)
    assert stat.S_IMODE(files.private.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(files.private.stat().st_mode) == 0o600
    assert files.public.read_text() == signing.public_pem(public)
    assert signing.public_key(files.public) == public


def test_an_existing_key_is_kept_unless_forced(tmp_path: Path) -> None:
    files = signing.key_files(tmp_path / "keys")
    first = signing.create_key(files)
    with pytest.raises(AlreadyExists, match="--force"):
        signing.create_key(files)
    assert signing.private_key(files).public_key() == first
    second = signing.create_key(files, force=True)
    assert signing.public_raw(second) != signing.public_raw(first)
    assert stat.S_IMODE(files.private.stat().st_mode) == 0o600


def test_the_key_directory_comes_from_the_environment_or_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(signing.KEY_DIR_VARIABLE, raising=False)
    data = Path(str(tmp_path / "home" / ".local" / "share"))
    assert signing.key_files().private == (
        data / "diplomatic-timeline" / "keys" / "signing.pem"
    )
    monkeypatch.setenv(signing.KEY_DIR_VARIABLE, str(tmp_path / "elsewhere"))
    assert signing.key_files().public == tmp_path / "elsewhere" / "signing.pub"
    monkeypatch.setenv(signing.KEY_DIR_VARIABLE, " ")
    with pytest.raises(InvalidInput, match="TIMELINE_KEY_DIR is empty"):
        signing.key_files()


def test_a_signed_file_verifies_and_says_what_was_signed(tmp_path: Path) -> None:
    export, files = signed(tmp_path)
    document = json.loads(signing.sig_path(export).read_text())
    assert document["algorithm"] == "ed25519"
    assert document["file"] == "brief.md"
    assert document["position"] == 42
    assert document["size"] == len(TEXT)
    verified = signing.verify_file(export, expected=signing.public_key(files.public))
    assert verified.sha256 == document["sha256"]
    assert verified.key_checked
    assert verified.key == signing.fingerprint(signing.public_key(files.public))


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda b: b[:10] + bytes([b[10] ^ 1]) + b[11:], "same size, different"),
        (lambda b: b[:-1], f"{len(TEXT) - 1} bytes; {len(TEXT)} were signed"),
        (lambda b: b + b"\n", f"{len(TEXT) + 1} bytes"),
        (lambda b: b"", f"0 bytes; {len(TEXT)} were signed"),
    ],
    ids=["one-byte-changed", "truncated", "appended", "emptied"],
)
def test_a_changed_file_is_refused(
    tmp_path: Path, change: Callable[[bytes], bytes], why: str
) -> None:
    export, files = signed(tmp_path)
    export.write_bytes(change(TEXT))
    with pytest.raises(InvalidInput, match="signature does not match") as refused:
        signing.verify_file(export, expected=signing.public_key(files.public))
    assert why in str(refused.value)


def test_a_signature_by_another_key_is_refused(tmp_path: Path) -> None:
    export, files = signed(tmp_path)
    other = signing.key_files(tmp_path / "other")
    signing.create_key(other)
    signing.sign_file(export, signing.private_key(other), 42)  # a whole new .sig
    signing.verify_file(export)  # sound in itself, but not by the expected key
    with pytest.raises(InvalidInput, match="not by the expected key"):
        signing.verify_file(export, expected=signing.public_key(files.public))


def test_a_signature_made_by_another_key_under_the_expected_name_is_refused(
    tmp_path: Path,
) -> None:
    export, files = signed(tmp_path)
    forger = signing.key_files(tmp_path / "forger")
    signing.create_key(forger)
    sig = signing.sig_path(export)
    document = json.loads(sig.read_text())
    forged = signing.private_key(forger).sign(TEXT)
    document["signature"] = base64.b64encode(forged).decode()
    sig.write_text(json.dumps(document))  # still naming the owner's public key
    with pytest.raises(InvalidInput, match="forged or damaged"):
        signing.verify_file(export, expected=signing.public_key(files.public))


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"not json", "not a JSON object"),
        (b"[]", "not a JSON object"),
        (b'{"algorithm": "ed25519"}', "it has no 'file'"),
        (None, "algorithm 'rsa' is not ed25519"),
        (b"x" * 70_000, "not a JSON object"),
    ],
)
def test_a_malformed_signature_is_refused(
    tmp_path: Path, content: bytes | None, why: str
) -> None:
    export, _ = signed(tmp_path)
    sig = signing.sig_path(export)
    if content is None:
        document = json.loads(sig.read_text())
        document["algorithm"] = "rsa"
        content = json.dumps(document).encode()
    sig.write_bytes(content)
    with pytest.raises(InvalidInput, match="is not a signature of this program") as e:
        signing.verify_file(export)
    assert why in str(e.value)


def test_a_signature_that_is_not_base64_is_refused(tmp_path: Path) -> None:
    export, _ = signed(tmp_path)
    sig = signing.sig_path(export)
    document = json.loads(sig.read_text())
    document["signature"] = "***"
    sig.write_text(json.dumps(document))
    with pytest.raises(InvalidInput, match="signature does not match"):
        signing.verify_file(export)


def test_a_missing_signature_or_key_is_named(tmp_path: Path) -> None:
    export = tmp_path / "brief.md"
    export.write_bytes(TEXT)
    with pytest.raises(NotFound, match=r"no signature .*brief\.md\.sig"):
        signing.verify_file(export)
    with pytest.raises(NotFound, match="timeline key create"):
        signing.private_key(signing.key_files(tmp_path / "none"))
    bad = tmp_path / "bad.pub"
    bad.write_text("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    with pytest.raises(InvalidInput, match="does not hold an Ed25519 public key"):
        signing.public_key(bad)


def test_a_public_key_may_be_given_as_base64(tmp_path: Path) -> None:
    export, files = signed(tmp_path)
    raw = tmp_path / "raw.pub"
    raw.write_text(signing.public_raw(signing.public_key(files.public)) + "\n")
    assert signing.verify_file(export, expected=signing.public_key(raw)).key_checked


def test_a_cipher_key_is_32_random_bytes_and_others_are_refused() -> None:
    key = new_key()
    assert len(base64.b64decode(key)) == 32
    assert key != new_key()
    assert checked_key(key) == key
    for bad in ("not a key", base64.b64encode(b"short").decode(), key + "x"):
        with pytest.raises(InvalidInput, match="TIMELINE_CIPHER_KEY is not a key"):
            checked_key(bad)
