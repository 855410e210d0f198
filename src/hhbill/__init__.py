"""hhbill: Medicare home health coding and billing.

The public surface (everything else is private and may move):

* ``hhbill.hcpcs`` — the versioned HCPCS Level II reference (import, as-of lookup, history, diff, code pages);
* ``hhbill.search`` — ranked, plain-language code search;
* ``hhbill.rvu`` — Physician Fee Schedule RVUs, locality pricing and the procedure log;
* ``hhbill.claims`` — the home health claim model, builder and scrubber;
* ``hhbill.x12`` — reading and writing X12 837I;
* ``hhbill.app`` — :class:`~hhbill.app.Hhbill`, the application object the CLI, API and pages call;
* ``hhbill.cli`` — the command line; ``hhbill.web`` — the REST API and web UI.

Errors: every error raised on purpose is an :class:`HhbillError`; bad input is an :class:`InputError` with a
subclass per area (see ``hhbill._errors`` for the tree).
"""

from __future__ import annotations

from ._config import resolve_db_path
from ._errors import (
    AuthError,
    ClaimInputError,
    ConfigError,
    DownloadError,
    FormInputError,
    HhbillError,
    ImportFormatError,
    InputError,
    NotFoundError,
    RvuInputError,
    SearchQueryError,
    StoreError,
    X12Error,
)
from ._store import Store, open_store

__version__ = "0.1.0"

__all__ = [
    "AuthError",
    "ClaimInputError",
    "ConfigError",
    "DownloadError",
    "FormInputError",
    "HhbillError",
    "ImportFormatError",
    "InputError",
    "NotFoundError",
    "RvuInputError",
    "SearchQueryError",
    "Store",
    "StoreError",
    "X12Error",
    "__version__",
    "open_store",
    "resolve_db_path",
]
