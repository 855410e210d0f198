"""The ``hhbill`` command line: one module per area, each command a few lines over :class:`hhbill.app.Hhbill`.

==================  ===========================================================================
``reference``       ``data import``, ``data update``, ``releases``, ``history``, ``diff``, ``code``
``search``          ``search``
``rvu``             ``rvu``, ``rvu-import`` (also ``data import-rvu``), ``rvu-releases``, ``log ...``
``claims``          ``claim build|check|edits|case-mix``, ``claim ledger ...``
``x12``             ``x12 check|write``
``batch``           ``batch scrub``
``serve``           ``serve``, ``apikey create|list|revoke``
==================  ===========================================================================

An area module is imported only when one of its commands runs (``_root.COMMANDS`` maps each command to its
module), and imports only typer and :mod:`hhbill.cli._common` at the top; the application object and the
domain packages are imported inside the command. So each command loads only what it uses, and ``hhbill
--help`` loads none of the packages behind the commands.
"""

from __future__ import annotations

from ._root import COMMANDS, app

__all__ = ["COMMANDS", "app", "main"]


def main() -> None:
    app()
