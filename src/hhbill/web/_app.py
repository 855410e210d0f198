"""The application factory: one FastAPI app serving the /api/v1 routes and the server-rendered pages.

Error handling is central: every :class:`~hhbill._errors.HhbillError` maps to a status by its class
(:data:`~hhbill.web._common.STATUS_BY_ERROR`), request validation to 422 (400 for a body that is not JSON), and
anything else the framework raises (404, 405, 413) to the same ``{"error": {"code", "message", "field"}}`` body.
Pages get the same status with an HTML error page.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from .._config import Settings as CoreSettings
from .._errors import HhbillError
from .._store import Store
from ..app import Hhbill
from ._api import router as api_router
from ._common import (
    DataResponse,
    error_dict,
    hhbill_error_dict,
    render,
    status_for,
    wants_json,
)
from ._first_run import router as first_run_router
from ._lanes import ClaimLaneMiddleware
from ._pages import router as pages_router
from ._security import CsrfMiddleware, GuardMiddleware, RateLimiter
from ._settings import Settings
from ._surfaces import router as surfaces_router

__all__ = ["create_app"]

STATIC = Path(__file__).resolve().parent.parent / "static"
log = logging.getLogger("hhbill.web")

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "auth",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}
#: paths whose responses may hold patient data: never cached
PRIVATE_PREFIXES = ("/api/v1/claims", "/api/v1/log", "/claims", "/x12", "/log")

API_DESCRIPTION = """\
Medicare home health coding and billing over HTTP: the versioned HCPCS reference (as-of lookup, history,
release diff), code search with an autocomplete mode, the home health claim builder and scrubber (JSON and
X12 837I), RVU pricing and the procedure log.

**Authentication.** Reference routes are open. Routes that take or store claims or the procedure log need an
API key in the `X-API-Key` header (create one with `hhbill apikey create`).

**Errors.** Every error is `{"error": {"code", "message", "field"}}` with a 4xx status: 401 without a valid
key, 404 when a code/release/record does not exist for the date asked, 413 above the body-size limit, 422 when
a value is invalid (`field` names it), 429 over the per-client rate limit (see `Retry-After`).
"""


def create_app(
    store_or_db_path: Hhbill | Store | str | os.PathLike[str] | None = None, *, settings: Settings | None = None
) -> FastAPI:
    """The web service over ``store_or_db_path``: the application object, a Store, a database path, or None for
    ``$HHBILL_DB``/default. The routes and pages call only the application object."""
    if isinstance(store_or_db_path, Hhbill):
        hhbill = store_or_db_path
    else:
        core = CoreSettings.from_env(db_path=None if isinstance(store_or_db_path, Store) else store_or_db_path)
        hhbill = Hhbill(store_or_db_path if isinstance(store_or_db_path, Store) else None, settings=core)
    store = hhbill.store
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not settings.require_api_key:
            log.warning(
                "WARNING: API keys are OFF (HHBILL_REQUIRE_API_KEY=0): anyone who can reach this server can read "
                "and write claims and the procedure log. Use this only on a machine no one else can reach."
            )
        # a served process answers its first search as fast as its next: build the search tables now
        await anyio.to_thread.run_sync(hhbill.warm_up)
        _tune_collector()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="hhbill",
        version=_version(),
        description=API_DESCRIPTION,
        docs_url=None,  # Swagger UI needs inline and third-party scripts our CSP refuses; /openapi.json is served
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.hhbill = hhbill
    app.state.store = store
    app.state.settings = settings

    app.add_exception_handler(HhbillError, _hhbill_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)

    app.include_router(api_router)
    app.include_router(pages_router)
    app.include_router(surfaces_router)
    app.include_router(first_run_router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "X-API-Key"],
            allow_credentials=False,
            max_age=600,
        )
    app.add_middleware(ClaimLaneMiddleware)  # claim checks never fill the thread pool lookups need
    app.add_middleware(CsrfMiddleware)  # inside the guard, so its refusals carry the security headers too
    app.add_middleware(
        GuardMiddleware,
        max_body_bytes=settings.max_body_bytes,
        limiter=RateLimiter(settings.rate_limit, settings.rate_window, max_clients=settings.rate_table_size),
        private_prefixes=PRIVATE_PREFIXES,
        trusted_proxies=settings.trusted_proxies,
    )
    return app


_frozen = False
#: the cyclic collector's thresholds in a server: a young collection every 50,000 net allocations, not 700
GC_THRESHOLDS = (50_000, 20, 100)


def _tune_collector() -> None:
    """Keep the cyclic garbage collector's work per request the same under load as one request at a time.

    What start-up built (search tables, caches) lives as long as the process: frozen, it leaves the collector's
    view, or every full collection walks it again (about 0.1 s each). And with hundreds of requests in flight,
    their objects are alive at each young collection: Python's default threshold (700) walks them again and again
    and promotes them, which makes full collections frequent. The larger threshold keeps that work proportional to
    the requests served (``bench/api_load.py --mixed``). Once per process: several apps in one process (tests)
    freeze only the first start-up's objects. (A frozen object that later becomes cyclic garbage, say a cache
    replaced after the database changed, is not reclaimed: at most the start-up heap, once.)
    """
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        _frozen = True


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("hhbill")
    except Exception:  # not installed (running from a source tree)
        return "0"


def _respond(request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """JSON for the API and for clients asking for JSON; an HTML error page for browsers on the pages."""
    if wants_json(request) or not _html_form(request):
        return DataResponse(body, status_code=status, headers=headers)
    template = "_error.html" if request.headers.get("hx-request") == "true" else "error.html"
    response = render(request, template, status_code=status, error=body["error"])
    if headers:
        response.headers.update(headers)
    return response


def _html_form(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept or request.headers.get("hx-request") == "true"


async def _hhbill_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HhbillError)
    status = status_for(exc)
    if status >= 500:
        route = getattr(request.scope.get("route"), "path", "(unmatched)")
        log.error("%s %s failed: %s", request.method, route, exc.code)  # never the URL or body: PHI
    return _respond(request, status, hhbill_error_dict(exc))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {}
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header", "cookie")]
    field = ".".join(loc) or None
    kind = first.get("type", "")
    if kind == "json_invalid":
        return _respond(request, 400, error_dict("bad_request", "the request body is not valid JSON", field))
    message = str(first.get("msg", "invalid request"))
    if field:
        message = f"{field}: {message}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return _respond(request, 422, error_dict("invalid", message, field))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else "request refused"
    if status == 404 and detail == "Not Found":
        detail = f"no page or route at {request.url.path[:100]}"
    headers = dict(exc.headers) if exc.headers else None
    field = getattr(exc, "field", None)  # BadText names the field holding the bad character
    return _respond(request, status, error_dict(_CODES_BY_STATUS.get(status, "http_error"), detail, field), headers)
