"""Option and argument values converted without pydantic, so a command does not pay ~100 ms to import it.

Typer 0.29 converts every parameter value through a pydantic ``TypeAdapter``: ``_TyperParameter.process_value``
calls ``get_runtime_param()`` for every parameter that is not a boolean flag (even one left at its default), and
``typer._coercion.build_runtime_param`` imports ``typer._adapters``, which imports pydantic at its top. No choice
of option type avoids it (``str``, ``int``, ``Enum``, ``Path`` and a ``parser=`` all go through an adapter; only
file types such as ``typer.FileText`` do not, and ``coerce_cli_path`` builds one again for a ``Path``).

So before a command parses its arguments, :func:`install` gives each parameter of the simple types our commands use
(``str``, ``int``, ``float``, ``bool``, an ``Enum``, ``Path`` and lists of them) a converter written here with
typer's own choice and path checks (:func:`typer._param_types.coerce_cli_choice` and ``coerce_cli_path``, which do
not import pydantic) and pydantic's wording for numbers; any other parameter keeps typer's converter. With a typer
that lacks these internals nothing is installed and typer behaves as it always does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

try:  # typer >= 0.29 internals; an older typer converts through click and needs none of this
    from typer._click.exceptions import BadParameter
    from typer._coercion import RuntimeParam
    from typer._param_types import coerce_cli_choice, coerce_cli_path
    from typer.core import _TyperParameter
except ImportError:  # pragma: no cover - depends on the installed typer
    _TyperParameter = None  # type: ignore[misc,assignment]

__all__ = ["install"]

Convert = Callable[[Any, Any, Any], Any]  # (value, parameter, context) -> converted value

if _TyperParameter is not None:

    @dataclass(frozen=True)
    class _PlainRuntimeParam(RuntimeParam):
        """Converts with a plain function; a ValueError becomes typer's "Invalid value for ..." usage error."""

        convert: Convert

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return self.convert(value, param, ctx)
            except ValueError as exc:
                raise BadParameter(str(exc), ctx=ctx, param=param) from None


def _text(value: Any) -> str:
    return os.fsdecode(value) if isinstance(value, bytes) else str(value)


def _number_converter(kind: type[Any], info: Any) -> Convert:
    what = "a valid integer" if kind is int else "a valid number"
    parse = "unable to parse string as an integer" if kind is int else "unable to parse string as a number"

    def convert(value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, bytes, int, float)):
            raise ValueError(f"Input should be {what}")
        if isinstance(value, (str, bytes)):
            try:
                number = kind(_text(value).strip())
            except ValueError:
                raise ValueError(f"Input should be {what}, {parse}") from None
        else:
            number = kind(value)
            if kind is int and number != value:
                raise ValueError("Input should be a valid integer, got a number with a fractional part")
        if info.min is not None and number < info.min:
            raise ValueError(f"Input should be greater than or equal to {info.min}")
        if info.max is not None and number > info.max:
            raise ValueError(f"Input should be less than or equal to {info.max}")
        return number

    return convert


def _leaf_converter(annotation: Any, info: Any) -> Convert | None:
    """A converter for one value of ``annotation``, or None to leave it to typer."""
    if info.parser is not None or info.clamp:
        return None
    if annotation is str:
        return lambda value, param, ctx: _text(value)
    if annotation in (int, float):
        return _number_converter(annotation, info)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        choices = tuple(annotation)
        return lambda value, param, ctx: coerce_cli_choice(
            value, choices=choices, case_sensitive=info.case_sensitive, ctx=ctx
        )
    if isinstance(annotation, type) and issubclass(annotation, Path):
        path_type = info.path_type or annotation

        def convert_path(value: Any, param: Any, ctx: Any) -> Any:
            # typer's own checks (exists, file or folder, readable...); given a Path it needs no adapter
            as_path = value if isinstance(value, Path) else Path(_text(value))
            return coerce_cli_path(as_path, info, path_type=path_type, param=param, ctx=ctx)

        return convert_path
    return None


_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"", "0", "f", "false", "n", "no", "off"})


def _bool(value: Any, param: Any, ctx: Any) -> bool:
    """A flag's value (booleans, or the words pydantic accepts, e.g. from an environment variable)."""
    if isinstance(value, bool):
        return value
    word = _text(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ValueError("Input should be a valid boolean, unable to interpret input")


def _converter(annotation: Any, info: Any) -> Convert | None:
    if annotation is bool:
        return _bool
    if get_origin(annotation) is list:
        args = get_args(annotation)
        leaf = _leaf_converter(args[0], info) if len(args) == 1 else None
        if leaf is None:
            return None
        return lambda value, param, ctx: [leaf(item, param, ctx) for item in value]
    return _leaf_converter(annotation, info)


def install(command: Any, ctx: Any | None) -> None:
    """Give every simple-typed parameter of ``command`` (and of its subcommands) a pydantic-free converter.

    ``ctx`` is the context ``command`` runs in, or its parent's (None: the defaults): the help option (made on
    first use from the context's help option names, then kept by the command) is converted like the other flags."""
    if _TyperParameter is None:
        return
    own = ctx
    if ctx is None or ctx.command is not command:
        own = command.context_class(command, parent=ctx, info_name=command.name)
    help_option = command.get_help_option(own)
    for param in [*getattr(command, "params", ()), *([help_option] if help_option is not None else [])]:
        if not isinstance(param, _TyperParameter) or getattr(param, "_runtime_param", None) is not None:
            continue
        descriptor = param.type_descriptor
        if descriptor.file_annotation is not None:
            continue
        convert = _converter(descriptor.annotation, descriptor.parameter_info)
        if convert is not None:
            param._runtime_param = _PlainRuntimeParam(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation, convert=convert
            )
    for sub in getattr(command, "commands", {}).values():
        install(sub, own)
