"""docs/CLI.md is generated from the CLI; it must match the commands as they are."""

from __future__ import annotations

from pathlib import Path

from hhbill.cli._docs import cli_reference

DOC = Path(__file__).resolve().parent.parent / "docs" / "CLI.md"


def test_cli_reference_is_current():
    assert DOC.read_text() == cli_reference(), "docs/CLI.md is stale: run `python -m hhbill.cli._docs > docs/CLI.md`"


def test_every_command_is_documented():
    text = DOC.read_text()
    for command in (
        "hhbill code",
        "hhbill data import",
        "hhbill data update",
        "hhbill diff",
        "hhbill history",
        "hhbill releases",
    ):
        assert f"## `{command}`" in text
