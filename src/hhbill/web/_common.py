"""Shared by the API and the pages: the application object, API-key checks, error bodies, content negotiation,
templates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .._errors import (
    AuthError,
    ConfigError,
    DownloadError,
    HhbillError,
    InputError,
    NotFoundError,
    StoreError,
)
from .._json import dumps, jsonable
from .._store import Store
from ..app import Hhbill
from ._security import SESSION_COOKIE, ApiKey, authenticate
from ._settings import Settings

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
API_KEY_HEADER = "X-API-Key"

#: HhbillError subclass -> HTTP status (first match in order wins)
STATUS_BY_ERROR: tuple[tuple[type[HhbillError], int], ...] = (
    (NotFoundError, 404),
    (AuthError, 401),
    (InputError, 422),
    (StoreError, 503),
    (DownloadError, 502),
    (ConfigError, 500),
)


def status_for(exc: HhbillError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(exc, kind):
            return status
    return 400


def error_dict(
    code: str, message: str, field: str | None = None, location: dict[str, Any] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "field": field}
    if location:
        error["location"] = location
    return {"error": error}


def hhbill_error_dict(exc: HhbillError) -> dict[str, Any]:
    location = {k: v for k, v in exc.location.items() if k != "field"}
    field = exc.location.get("field")
    if field is None and location:
        field = str(next(iter(location)))
    return error_dict(exc.code, exc.message, None if field is None else str(field), jsonable(location))


class DataResponse(JSONResponse):
    """JSON that knows our value types (Decimal as a string, dates ISO, objects through ``to_dict``)."""

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")


# -- app state --------------------------------------------------------------------------------------------------
def hhbill_of(request: Request) -> Hhbill:
    """The application object every route and page calls."""
    hhbill: Hhbill = request.app.state.hhbill
    return hhbill


def upload_bytes(file: UploadFile) -> bytes:
    """The whole upload, read in the route's worker thread (the framework spooled it to memory or disk)."""
    file.file.seek(0)
    return file.file.read()


def upload_name(file: UploadFile) -> str | None:
    """The uploaded file's own name (no client folders), at most 200 characters: shown back, never used as a path."""
    name = (file.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:200] or None


def signed_in_redirect(request: Request, session_id: str, to: str) -> Response:
    """Go to ``to`` with this browser signed in: the cookie carries a server-side session id (logout ends it),
    never the API key itself."""
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=12 * 3600,
        path="/",
    )
    return response


def store_of(request: Request) -> Store:
    return hhbill_of(request).store


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def presented_key(request: Request) -> ApiKey:
    """The caller's key: the X-API-Key header, else the browser's session cookie (a session id, not the key)."""
    return authenticate(store_of(request), request.headers.get(API_KEY_HEADER), request.cookies.get(SESSION_COOKIE))


def require_api_key(request: Request) -> ApiKey | None:
    """Dependency of the PHI routes: the caller's key (None when the service runs without keys)."""
    if not settings_of(request).require_api_key:
        return None
    return presented_key(request)


def signed_in(request: Request) -> bool:
    if not settings_of(request).require_api_key:
        return True
    try:
        presented_key(request)
    except AuthError:
        return False
    return True


# -- content negotiation ------------------------------------------------------------------------------------------
def wants_json(request: Request) -> bool:
    """``?format=json``, a path under /api/, or an Accept header preferring JSON over HTML."""
    if request.url.path.startswith("/api/"):
        return True
    fmt = request.query_params.get("format")
    if fmt:
        return fmt.lower() == "json"
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = lambda v: "" if v is None else f"${Decimal(str(v)):,.2f}"
    env.globals["today"] = lambda: date.today().isoformat()
    return env


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            path=request.url.path,
            signed_in=signed_in(request),
            require_api_key=settings_of(request).require_api_key,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code)


def page(request: Request, template: str, data: dict[str, Any], *, status_code: int = 200, **extra: Any) -> Response:
    """One view, two renderings: ``data`` as JSON when asked for, else the template with ``data`` in context."""
    if wants_json(request):
        return DataResponse(data, status_code=status_code)
    return render(request, template, status_code=status_code, data=data, **extra)


def markup(html: str) -> Markup:
    """HTML produced by a library renderer that escapes its own values (the code-page fragment)."""
    return Markup(html)
