"""The ``hhbill`` command line: one module per area, each command a few lines over :class:`hhbill.app.Hhbill`.

==================  ===========================================================================
``reference``       ``data import``, ``data update``, ``releases``, ``history``, ``diff``, ``code``
``search``          ``search``
``rvu``             ``rvu``, ``rvu-import`` (also ``data import-rvu``), ``rvu-releases``, ``log ...``
``claims``          ``claim build|check|edits|case-mix``, ``claim ledger ...``
``x12``             ``x12 check|write``
``serve``           ``serve``, ``apikey create|list|revoke``
==================  ===========================================================================

A command module imports only typer and :mod:`hhbill.cli._common` at the top; the application object and the
domain packages are imported inside the command, so each command loads only what it uses and ``hhbill
--help`` loads none of them.
"""

from __future__ import annotations

from importlib import import_module

from ._root import app

__all__ = ["COMMAND_MODULES", "app", "main"]

#: the command modules; importing one adds its commands to ``app`` (in this order in ``hhbill --help``)
COMMAND_MODULES = ("reference", "search", "rvu", "claims", "x12", "serve")

for _name in COMMAND_MODULES:
    import_module(f"{__name__}.{_name}")


def main() -> None:
    app()
