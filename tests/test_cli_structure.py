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


def test_the_root_help_lists_each_command_as_the_built_command_would() -> None:
    """The root help reads each command's one-line help from its registration instead of building it: the list
    is the one the built commands give, word for word, at any width."""
    from importlib import import_module

    import typer
    from typer._click import Context, HelpFormatter
    from typer.core import TyperGroup

    for module in {module for modules in COMMANDS.values() for module in modules}:
        import_module(f"hhbill.cli.{module}")
    for width in (60, 100, 140):
        listed_group = typer.main.get_command(app)
        listed_group.commands.clear()  # as in a new process: no command built yet
        listed = HelpFormatter(width=width)
        listed_group.format_commands(Context(listed_group, info_name="hhbill"), listed)
        assert not listed_group.commands  # nothing was built to list them

        built_group = typer.main.get_command(app)
        built_context = Context(built_group, info_name="hhbill")
        for name in COMMANDS:
            built_group.get_command(built_context, name)
        built = HelpFormatter(width=width)
        TyperGroup.format_commands(built_group, built_context, built)
        assert len(built_group.commands) == len(COMMANDS)
        assert listed.getvalue() == built.getvalue()
        assert all(name in listed.getvalue() for name in COMMANDS)
