"""Every ``--option`` the source's strings name (error messages, help,
hints; docstrings, which quote other programs' options, aside) is an option
of some command: a message never names one misspelled, or named after its
field (``--interests`` for ``--interest``, ``--audience`` for ``--for``)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import click

from timeline.cli import cli

ROOT = Path(__file__).parent.parent.parent
PACKAGES = ("events", "projections", "timeline")
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
"""An option as a text names it: ``--as-of``, not ``-o`` nor ``a--b``."""
SAMPLE = '''
def amend():
    """A docstring quoting another program: systemctl --user."""
    raise InvalidInput("give --interests")
message = f"nothing to amend: give {what} with --audience or --as-of"
help_text = "see ``--rows``; not -o, nor a--b"
'''


def options(command: click.Command) -> Iterator[str]:
    """Every long option of ``command`` and of the commands under it."""
    yield "--help"  # every command's, not among its params
    for param in command.params:
        yield from (name for name in param.opts + param.secondary_opts
                    if name.startswith("--"))  # fmt: skip
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from options(sub)


def named(source: str) -> Iterator[tuple[int, str]]:
    """Each option a string literal of ``source`` names, with its line, in
    the order written."""
    tree = ast.parse(source)
    skipped = docstrings(tree)
    strings = [
        node for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and node not in skipped
    ]  # fmt: skip
    for node in sorted(strings, key=lambda n: (n.lineno, n.col_offset)):
        for option in OPTION.findall(str(node.value)):
            yield node.lineno, option


def docstrings(tree: ast.Module) -> list[ast.expr]:
    """The docstrings of the module and of its classes and functions."""
    return [
        node.body[0].value for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                      | ast.AsyncFunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    ]  # fmt: skip


def test_every_option_named_in_the_source_is_an_option_of_a_command() -> None:
    known = set(options(cli))
    unknown = [
        f"{path.relative_to(ROOT)}:{line}: {option}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, option in named(path.read_text(encoding="utf-8"))
        if option not in known
    ]
    assert unknown == []


def test_the_scan_finds_an_option_in_every_kind_of_string() -> None:
    assert [option for _, option in named(SAMPLE)] == [
        "--interests", "--audience", "--as-of", "--rows",
    ]  # fmt: skip
    assert {"--interest", "--for", "--as", "--as-of", "--db"} <= set(options(cli))
    assert not {"--interests", "--audience"} & set(options(cli))
