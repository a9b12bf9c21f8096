"""Keys, signed exports and encryption at rest, through the installed
command: a signed export verifies with this package and with openssl, and
anything else (a changed byte, a cut file, another key, no signature) is
one error line."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.support import installed, stored_events

OPENSSL_CHECK = """\
sed -n 's/^ *"signature": "\\(.*\\)",\\{0,1\\}$/\\1/p' "$1.sig" \
  | openssl base64 -d -A > "$1.sig.bin"
openssl pkeyutl -verify -pubin -inkey "$2" -rawin -in "$1" -sigfile "$1.sig.bin"
"""
"""The check the README gives for readers without this package: FILE is $1,
the signer's public key $2."""


def openssl() -> str:
    """The openssl command; missing, the test is skipped, or fails where it
    is required (``TIMELINE_REQUIRE_OPENSSL=1``), as browsers are."""
    found = shutil.which("openssl")
    if found:
        return found
    if os.environ.get("TIMELINE_REQUIRE_OPENSSL"):
        pytest.fail("openssl is required here (TIMELINE_REQUIRE_OPENSSL) but absent")
    pytest.skip("openssl is not installed")


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    found = {**os.environ, "TIMELINE_KEY_DIR": str(tmp_path / "keys")}
    found.pop("TIMELINE_CIPHER_KEY", None)
    found.update(extra)
    return found


def ok(environment: dict[str, str], *args: str) -> str:
    done = installed(*args, env=environment)
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout


def error(environment: dict[str, str], *args: str, status: int = 1) -> str:
    """Run a command that must fail with one ``Error:`` line; return it."""
    done = installed(*args, env=environment)
    assert done.returncode == status, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    lines = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, done.stderr
    if status == 1:
        assert done.stderr.splitlines() == lines
    return lines[0]


def signed_brief(tmp_path: Path) -> tuple[dict[str, str], Path]:
    environment = env(tmp_path)
    ok(environment, "key", "create")
    ok(environment, "demo")
    brief = tmp_path / "brief.md"
    ok(environment, "export", "beijing-talks", "-o", str(brief), "--sign")
    return environment, brief


@pytest.mark.own_stores
def test_key_create_makes_a_private_key_and_show_prints_the_public_one(
    tmp_path: Path,
) -> None:
    environment = {**os.environ}
    environment.pop("TIMELINE_KEY_DIR", None)
    public = ok(environment, "key", "create")
    keys = Path(environment["XDG_DATA_HOME"]) / "diplomatic-timeline" / "keys"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert stat.S_IMODE((keys / "signing.pem").stat().st_mode) == 0o600
    assert public.startswith("-----BEGIN PUBLIC KEY-----")
    assert (
        ok(environment, "key", "show") == public == (keys / "signing.pub").read_text()
    )
    shown = json.loads(ok(environment, "key", "show", "--json"))
    assert shown["algorithm"] == "ed25519"
    assert shown["public_key"] == public
    assert shown["fingerprint"].startswith("SHA256:")
    line = error(environment, "key", "create")
    assert "a signing key exists" in line
    assert "--force" in line
    assert ok(environment, "key", "show") == public
    assert ok(environment, "key", "create", "--force") != public


@pytest.mark.own_stores
def test_key_show_without_a_key_and_a_cipher_key_printed_once(tmp_path: Path) -> None:
    environment = env(tmp_path)
    assert "timeline key create" in error(environment, "key", "show")
    done = installed("key", "create", "--cipher", env=environment)
    assert done.returncode == 0
    assert len(done.stdout.strip()) == 44  # base64 of 32 bytes
    assert "stored nowhere" in done.stderr
    assert not (tmp_path / "keys").exists()
    assert installed("key", "create", "--cipher", env=environment).stdout != done.stdout


def test_a_signed_export_verifies_and_says_what_it_checked(
    tmp_path: Path, store: str
) -> None:
    environment, brief = signed_brief(tmp_path)
    sig = json.loads(Path(f"{brief}.sig").read_text())
    assert sig["file"] == "brief.md"
    assert sig["position"] == stored_events(store)
    public = tmp_path / "keys" / "signing.pub"
    said = ok(environment, "verify-export", str(brief), "--key", str(public))
    assert "byte for byte what was signed" in said
    assert sig["sha256"] in said
    checked = json.loads(ok(environment, "verify-export", str(brief), "--json"))
    assert checked["sha256"] == sig["sha256"]
    assert checked["position"] == sig["position"]
    assert checked["key_checked"] is False


def test_a_changed_a_cut_or_an_unsigned_export_is_one_error(
    tmp_path: Path, store: str
) -> None:
    environment, brief = signed_brief(tmp_path)
    public = str(tmp_path / "keys" / "signing.pub")
    original = brief.read_bytes()
    brief.write_bytes(original.replace(b"Beijing", b"Beijinh", 1))
    assert "same size, different bytes" in error(
        environment, "verify-export", str(brief), "--key", public
    )
    brief.write_bytes(original[:-10])
    assert "were signed" in error(environment, "verify-export", str(brief))
    brief.write_bytes(original)
    ok(environment, "verify-export", str(brief), "--key", public)
    Path(f"{brief}.sig").write_text("{not json")
    assert "is not a signature" in error(environment, "verify-export", str(brief))
    Path(f"{brief}.sig").unlink()
    assert "no signature" in error(environment, "verify-export", str(brief))
    assert "cannot read" in error(environment, "verify-export", str(tmp_path / "x"))


def test_a_signature_by_another_key_is_refused(tmp_path: Path, store: str) -> None:
    environment, brief = signed_brief(tmp_path)
    public = tmp_path / "expected.pub"
    shutil.copy(tmp_path / "keys" / "signing.pub", public)
    ok(environment, "key", "create", "--force")  # another key signs now
    ok(environment, "export", "beijing-talks", "-o", str(brief), "--sign")
    line = error(environment, "verify-export", str(brief), "--key", str(public))
    assert "not by the expected key" in line


def test_sign_needs_a_file_and_a_key(tmp_path: Path, store: str) -> None:
    environment = env(tmp_path)
    ok(environment, "demo")
    for args in ([], ["-o", "-"]):
        line = error(environment, "export", "--sign", *args, status=2)
        assert "--sign needs -o FILE" in line
    brief = tmp_path / "brief.md"
    assert "timeline key create" in error(
        environment, "export", "-o", str(brief), "--sign"
    )
    assert not brief.exists()


def test_the_documented_openssl_check_agrees(tmp_path: Path, store: str) -> None:
    openssl()
    _, brief = signed_brief(tmp_path)
    public = str(tmp_path / "keys" / "signing.pub")

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["sh", "-c", OPENSSL_CHECK, "check", str(brief), public],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip

    done = check()
    assert done.returncode == 0, done.stderr
    assert "Signature Verified Successfully" in done.stdout
    brief.write_bytes(brief.read_bytes()[:-1])
    done = check()
    assert done.returncode == 1
    assert "Signature Verification Failure" in done.stdout


def test_an_encrypted_store_through_the_installed_command(
    tmp_path: Path, store: str
) -> None:
    key = ok(env(tmp_path), "key", "create", "--cipher").strip()
    sealed = env(tmp_path, TIMELINE_CIPHER_KEY=key)
    ok(sealed, "talks", "open", "otter-talks", "--title", "Otter Talks",
       "--location", "Geneva", "--party", "UKR", "--party", "RUS")  # fmt: skip
    ok(sealed, "develop", "otter-talks", "--on", "2024-08", "Round two")
    assert "Round two" in ok(sealed, "show", "otter-talks")
    count = stored_events(store)
    line = error(env(tmp_path), "develop", "otter-talks", "--on", "2024", "Not this")
    assert "is encrypted: set TIMELINE_CIPHER_KEY" in line
    wrong = ok(env(tmp_path), "key", "create", "--cipher").strip()
    line = error(env(tmp_path, TIMELINE_CIPHER_KEY=wrong), "show", "otter-talks")
    assert "TIMELINE_CIPHER_KEY is not the key of the store" in line
    line = error(env(tmp_path, TIMELINE_CIPHER_KEY="not-a-key"), "show", "otter-talks")
    assert "TIMELINE_CIPHER_KEY is not a key" in line
    assert stored_events(store) == count


def test_a_key_on_a_store_written_without_one(tmp_path: Path, store: str) -> None:
    ok(env(tmp_path), "demo")
    key = ok(env(tmp_path), "key", "create", "--cipher").strip()
    line = error(env(tmp_path, TIMELINE_CIPHER_KEY=key), "show", "beijing-talks")
    assert "is not encrypted" in line
    assert "unset TIMELINE_CIPHER_KEY" in line
