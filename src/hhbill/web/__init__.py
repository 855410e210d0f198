"""The hhbill web service: a versioned REST API (``/api/v1``) and server-rendered pages over the library.

Public surface::

    create_app(store_or_db_path=None, *, settings=None) -> FastAPI
    Settings                                    limits, CORS origins, API-key requirement
    create_api_key / list_api_keys / revoke_api_key / verify_api_key
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import create_app
    from ._security import ApiKey, RateLimiter, create_api_key, list_api_keys, revoke_api_key, verify_api_key
    from ._settings import Settings

# Imported on first use: the CLI mounts `serve` and `apikey` from this package, and loading FastAPI for every
# `hhbill` command would add a second to each of them.
_LAZY = {
    "create_app": "._app",
    "ApiKey": "._security",
    "RateLimiter": "._security",
    "create_api_key": "._security",
    "list_api_keys": "._security",
    "revoke_api_key": "._security",
    "verify_api_key": "._security",
    "Settings": "._settings",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ApiKey",
    "RateLimiter",
    "Settings",
    "create_api_key",
    "create_app",
    "list_api_keys",
    "revoke_api_key",
    "verify_api_key",
]
