"""The command line's structure: every command is in the area module ``COMMANDS`` names (so lazy loading finds it),
``--version`` works, and a command run in a fresh process loads its own area module only."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from typer.testing import CliRunner

from conftest import REPO
from hhbill import __version__
from hhbill.cli import COMMANDS, app


def test_every_command_is_found_by_importing_the_modules_commands_names() -> None:
    """In a fresh interpreter, importing only the modules ``COMMANDS`` names gives the command (lazy loading works),
    and every command of the whole command line is named in ``COMMANDS``."""
    probe = (
        "import json, sys\n"
        "from importlib import import_module\n"
        "import typer\n"
        "from hhbill.cli import app\n"
        "for module in sys.argv[1:]:\n"
        "    import_module('hhbill.cli.' + module)\n"
        "print(json.dumps(sorted(typer.main.get_command(app).commands)))\n"
    )
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"}

    def commands_after(modules: tuple[str, ...]) -> set[str]:
        done = subprocess.run(
            [sys.executable, "-c", probe, *modules], capture_output=True, text=True, env=env, check=True
        )
        return set(json.loads(done.stdout))

    for modules in sorted(set(COMMANDS.values())):
        found = commands_after(modules)
        assert {name for name, listed in COMMANDS.items() if listed == modules} <= found, modules
    everything = sorted({module for modules in COMMANDS.values() for module in modules})
    assert commands_after(tuple(everything)) == set(COMMANDS)


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"hhbill {__version__}"


def test_a_command_loads_only_its_area_module(tmp_path: Any) -> None:
    probe = (
        "import sys\n"
        "from hhbill.cli import main\n"
        "sys.argv = ['hhbill', 'search', 'wound care', '--format', 'json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('hhbill.cli.') and not m.startswith('hhbill.cli._')))\n"
    )
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin", "HHBILL_DB": str(tmp_path / "fresh.db")}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip().splitlines()[-1] == "['hhbill.cli.search']"
