"""Commands over keys: the signing key of signed exports, checking a signed
export, and new keys for encryption at rest (see :mod:`timeline.signing`
and :mod:`timeline.encryption`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from timeline.cli import cli, echo_json, info, json_option

if TYPE_CHECKING:
    from timeline.signing import KeyFiles


@cli.group()
def key() -> None:
    """Keys: sign exports, check them, encrypt the store.

    \b
    The signing key pair is kept in the user data directory, under keys/
    (or in $TIMELINE_KEY_DIR): signing.pem, the private key, readable by
    its owner only, and signing.pub, the public key to hand to readers.
    A cipher key is printed once and stored nowhere: set it as
    TIMELINE_CIPHER_KEY to encrypt every event of a new store.

    \b
    Examples:
      timeline key create
      timeline key show > signing.pub
      timeline export beijing-talks -o brief.md --sign
      timeline verify-export brief.md --key signing.pub
      export TIMELINE_CIPHER_KEY="$(timeline key create --cipher)"
    """


@key.command("create")
@click.option("--force", is_flag=True, help="Replace an existing signing key.")
@click.option(
    "--cipher", is_flag=True,
    help="Print a new key for TIMELINE_CIPHER_KEY instead; nothing is stored.",
)  # fmt: skip
@json_option
def key_create(force: bool, cipher: bool, as_json: bool) -> None:
    """Make a new Ed25519 signing key pair, and print its public key.

    An existing key is kept unless --force. With --cipher, print a new
    random AES-256 key once and store nothing: a store encrypted with it
    cannot be read without it.

    \b
    Examples:
      timeline key create
      timeline key create --cipher
    """
    if cipher:
        _new_cipher_key(force, as_json)
        return
    from timeline import signing

    files = signing.key_files()
    signing.create_key(files, force=force)
    _show(files, as_json)
    info(f"Signing key created: {files.private} (private) and {files.public}.")


@key.command("show")
@json_option
def key_show(as_json: bool) -> None:
    """Print the public signing key (PEM), to give to whoever checks exports.

    \b
    Examples:
      timeline key show > signing.pub
      timeline key show --json
    """
    from timeline import signing

    _show(signing.key_files(), as_json)


@cli.command("verify-export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--key", "key_file", metavar="PUBLIC",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The signer's public key (PEM, as `timeline key show` prints it):"
    " FILE must be signed by it.",
)  # fmt: skip
@json_option
def verify_export(file: Path, key_file: Path | None, as_json: bool) -> None:
    """Check that FILE is byte for byte what was signed (FILE.sig beside it).

    Exit 0 if it is; otherwise one error line and exit 1. Without --key the
    signature is checked against the key the .sig names, which proves the
    file unchanged but not who signed it.

    \b
    Examples:
      timeline verify-export brief.md --key signing.pub
      timeline verify-export backup.jsonl --json
    """
    from timeline import signing

    expected = signing.public_key(key_file) if key_file else None
    verified = signing.verify_file(file, expected=expected)
    if as_json:
        echo_json(verified._asdict())
        return
    position = "not named" if verified.position is None else verified.position
    by = f"the key in {key_file}" if key_file else "the key in the .sig; give --key"
    click.echo(
        f"Verified {file}: byte for byte what was signed.\n"
        f"  size      {verified.size:,} bytes\n  sha256    {verified.sha256}\n"
        f"  position  {position}\n  head      {verified.head or 'not named'}\n"
        f"  signed by {verified.key} ({by})"
    )
    if verified.head:
        info(f"`timeline verify --head {verified.head}` checks the store holds it.")


def _show(files: KeyFiles, as_json: bool) -> None:
    """The public key of the key pair in ``files``: PEM, or a JSON document."""
    from timeline import signing

    public = signing.private_key(files).public_key()
    if as_json:
        echo_json({
            "algorithm": signing.ALGORITHM, "fingerprint": signing.fingerprint(public),
            "public_key": signing.public_pem(public),
            "public_key_base64": signing.public_raw(public),
            "private_key_file": str(files.private),
            "public_key_file": str(files.public),
        })  # fmt: skip
        return
    click.echo(signing.public_pem(public), nl=False)


def _new_cipher_key(force: bool, as_json: bool) -> None:
    from timeline.encryption import KEY_VARIABLE, new_key

    if force:
        raise click.UsageError(
            "--force replaces a signing key; --cipher stores nothing"
        )
    secret = new_key()
    if as_json:
        echo_json({"variable": KEY_VARIABLE, "key": secret})
    else:
        click.echo(secret)
    info(
        f"A new key for {KEY_VARIABLE}, printed once and stored nowhere: keep it"
        " safe, as a store encrypted with it cannot be read without it."
    )
