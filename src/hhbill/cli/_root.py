"""The root ``hhbill`` command. Its commands live in the area modules and are loaded when first asked for.

:data:`COMMANDS` says which module defines each top-level command or group; ``hhbill code ...`` imports only
``hhbill.cli.reference`` (and what the ``code`` command itself imports), while ``hhbill --help`` imports every
area module (each is only option definitions) and none of the packages behind them.
"""

from __future__ import annotations

import inspect
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandInfo, TyperInfo

from ._coerce import install as install_converters

#: top-level command or group -> the area modules (``hhbill.cli.<name>``) that define it, in help order
COMMANDS: dict[str, tuple[str, ...]] = {
    "releases": ("reference",),
    "history": ("reference",),
    "diff": ("reference",),
    "code": ("reference",),
    "search": ("search",),
    "rvu": ("rvu",),
    "rvu-import": ("rvu",),
    "rvu-releases": ("rvu",),
    "serve": ("serve",),
    "data": ("reference",),  # data import|update|import-rvu
    "log": ("rvu",),
    "claim": ("claims",),
    "x12": ("x12",),
    "batch": ("batch",),
    "apikey": ("serve",),
}


class LazyCommands(TyperGroup):
    """A command group that imports an area module when one of its commands is first needed."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The help lists every command with its one-line help, read from the commands' registrations: building
        each command (typer inspects every parameter of its function) would cost more than the rest of the help."""
        for module in sorted({module for modules in COMMANDS.values() for module in modules}):
            import_module(f"{__package__}.{module}")
        listed = [(name, self.commands.get(name) or _summary(name)) for name in self.list_commands(ctx)]
        commands = [(name, command) for name, command in listed if command is not None and not command.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _command in commands)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])

    def load(self, modules: list[str], ctx: Any) -> None:
        """Import area modules and add their commands to this group."""
        for module in modules:
            import_module(f"{__package__}.{module}")
        # the root group again, now with the commands of every module imported so far
        built = typer.main.get_command(app)
        for name, command in getattr(built, "commands", {}).items():
            if name not in self.commands:
                install_converters(command, ctx)
                self.commands[name] = command

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        install_converters(self, ctx)  # the root options (--db) convert without pydantic too
        return super().parse_args(ctx, args)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            for module in COMMANDS[cmd_name]:
                import_module(f"{__package__}.{module}")
            command = _build_one(cmd_name)
            if command is None:  # not found by name: build the whole group as the help does
                self.load(list(COMMANDS[cmd_name]), ctx)
            else:
                install_converters(command, ctx)
                self.commands[cmd_name] = command
        return self.commands.get(cmd_name)


def _registration(name: str) -> CommandInfo | TyperInfo | None:
    """How the command or group ``name`` was registered on the root (named as typer names it when it builds)."""
    for info in app.registered_commands:
        if info.callback is not None and (info.name or typer.main.get_command_name(info.callback.__name__)) == name:
            return info
    for group in app.registered_groups:
        if (group.name or (group.typer_instance.info.name if group.typer_instance else None)) == name:
            return group
    return None


def _summary(name: str) -> TyperCommand | None:
    """A command that carries only the name and help texts of the command or group ``name`` (for the list of
    commands in the help), taken as typer takes them when it builds the command."""
    info = _registration(name)
    if isinstance(info, CommandInfo):
        text = inspect.cleandoc(info.help) if info.help is not None else inspect.getdoc(info.callback)
        return TyperCommand(name, help=text, short_help=info.short_help, hidden=info.hidden, deprecated=info.deprecated)
    if isinstance(info, TyperInfo):
        solved = typer.main.solve_typer_info_defaults(info)
        return TyperCommand(
            name, help=solved.help, short_help=solved.short_help, hidden=solved.hidden, deprecated=solved.deprecated
        )
    return None


def _build_one(name: str) -> Any:
    """The click command or group ``name`` alone: typer builds a command by inspecting its function's signature,
    and a run needs only the one it runs (building every command of the area module costs more than running
    most of them)."""
    info = _registration(name)
    if isinstance(info, CommandInfo):
        return typer.main.get_command_from_info(
            info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
        )
    if isinstance(info, TyperInfo):
        return typer.main.get_group_from_info(
            info,
            pretty_exceptions_short=app.pretty_exceptions_short,
            rich_markup_mode=app.rich_markup_mode,
            suggest_commands=app.suggest_commands,
        )
    return None


app = typer.Typer(
    cls=LazyCommands,
    name="hhbill",
    help="Medicare home health coding and billing: HCPCS reference, search, RVUs, claims, X12 837I.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain help: rich's help renderer would cost more than the rest of `hhbill --help`
)
#: ``hhbill data ...``: mounted and filled by the reference module
data_app = typer.Typer(rich_markup_mode=None, help="Import and update CMS reference data.", no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"hhbill {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Database file (default: $HHBILL_DB or ~/.local/share/hhbill/hhbill.db)."),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the hhbill version and exit."),
    ] = False,
) -> None:
    ctx.obj = {"db": db}
