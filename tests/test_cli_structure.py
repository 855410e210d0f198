"""The command line's structure: every command is in the area module ``COMMANDS`` names (so lazy loading finds it),
``--version`` works, and a command run in a fresh process loads its own area module only."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module
from typing import Any

from typer.testing import CliRunner

from conftest import REPO
from hhbill import __version__
from hhbill.cli import COMMANDS, app


def callbacks(typer_app: Any) -> list[Any]:
    found = [info.callback for info in typer_app.registered_commands]
    for group in typer_app.registered_groups:
        found += callbacks(group.typer_instance)
    return found


def test_every_command_is_defined_where_commands_says() -> None:
    for modules in COMMANDS.values():
        for module in modules:
            import_module(f"hhbill.cli.{module}")
    defined: dict[str, set[str]] = {}
    for info in app.registered_commands:
        name = info.name or info.callback.__name__.replace("_", "-")
        defined.setdefault(name, set()).add(info.callback.__module__)
    for group in app.registered_groups:
        defined.setdefault(group.name, set()).update(c.__module__ for c in callbacks(group.typer_instance))
    expected = {name: {f"hhbill.cli.{m}" for m in modules} for name, modules in COMMANDS.items()}
    assert defined == expected


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"hhbill {__version__}"


def test_a_command_loads_only_its_area_module(tmp_path: Any) -> None:
    probe = (
        "import sys\n"
        "from hhbill.cli import main\n"
        "sys.argv = ['hhbill', 'releases', '--format', 'json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('hhbill.cli.') and not m.startswith('hhbill.cli._')))\n"
    )
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin", "HHBILL_DB": str(tmp_path / "fresh.db")}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip().splitlines()[-1] == "['hhbill.cli.reference']"
