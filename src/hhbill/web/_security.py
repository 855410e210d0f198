"""What stands between the network and the library: API keys, request-size and rate limits, security headers,
CORS and an access log that never holds patient data.

API keys
    ``hhb_<prefix>_<secret>``: the 8-hex-character prefix finds the row, the secret is checked against
    ``sha256(salt || secret)`` with a per-key random salt (table ``api_key``). The key itself is shown once, at
    creation, and never stored. Revoked keys stay listed with their revocation time.

Middleware (pure ASGI, so a request costs a few microseconds here)
    :class:`GuardMiddleware` rejects bodies over the size limit (413, from ``Content-Length`` or while the body
    streams in), rate-limits per client address (429 with ``Retry-After``), adds the security headers to every
    response and writes one access-log line: method, route template, status, duration. Never the query string
    or the body: claim routes carry patient data in both.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from .._errors import AuthError, ClaimInputError, NotFoundError
from .._store import Store
from .._text import find_lone_surrogate, has_surrogate_escape

__all__ = [
    "ApiKey",
    "CsrfMiddleware",
    "GuardMiddleware",
    "RateLimiter",
    "authenticate",
    "create_api_key",
    "create_session",
    "csrf_protect",
    "end_session",
    "list_api_keys",
    "revoke_api_key",
    "verify_api_key",
    "verify_session",
]

access_log = logging.getLogger("hhbill.web.access")

API_KEY_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_key (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    salt BLOB NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
"""

_KEY_START = "hhb_"
_PREFIX_LENGTH = 8


@dataclass(frozen=True)
class ApiKey:
    """A stored API key's public facts (never the key or its hash)."""

    id: int
    name: str
    prefix: str
    created_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "active": self.active,
        }


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _digest(salt: bytes, secret: str) -> str:
    return hashlib.sha256(salt + secret.encode("utf-8")).hexdigest()


def _ensure(store: Store) -> None:
    store.ensure_schema("api_key", API_KEY_SCHEMA)


def create_api_key(store: Store, name: str = "") -> tuple[ApiKey, str]:
    """Create a key; returns its stored facts and the key text, which is shown once and never stored."""
    _ensure(store)
    name = name.strip()[:100] or "unnamed"
    salt = secrets.token_bytes(16)
    secret = secrets.token_urlsafe(32)
    with store.transaction() as conn:
        while True:
            prefix = secrets.token_hex(_PREFIX_LENGTH // 2)
            if conn.execute("SELECT 1 FROM api_key WHERE prefix = ?", (prefix,)).fetchone() is None:
                break
        cursor = conn.execute(
            "INSERT INTO api_key (name, prefix, salt, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, prefix, salt, _digest(salt, secret), _now()),
        )
        key_id = int(cursor.lastrowid or 0)
    key = next(k for k in list_api_keys(store) if k.id == key_id)
    return key, f"{_KEY_START}{prefix}_{secret}"


def list_api_keys(store: Store) -> list[ApiKey]:
    """Every key, oldest first (revoked ones included)."""
    _ensure(store)
    rows = store.execute("SELECT id, name, prefix, created_at, revoked_at FROM api_key ORDER BY id").fetchall()
    return [ApiKey(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def revoke_api_key(store: Store, key: str) -> ApiKey:
    """Revoke a key given its id or its prefix. Revoking twice is harmless."""
    _ensure(store)
    spec = key.strip()
    if spec.startswith(_KEY_START):  # a whole key was pasted: take its prefix
        spec = spec[len(_KEY_START) :].split("_", 1)[0]
    row = store.execute("SELECT id FROM api_key WHERE prefix = ? OR CAST(id AS TEXT) = ?", (spec, spec)).fetchone()
    if row is None:
        raise NotFoundError(f"no API key with id or prefix {spec[:20]!r}", key=spec[:20])
    with store.transaction() as conn:
        conn.execute("UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (_now(), row[0]))
    return next(k for k in list_api_keys(store) if k.id == row[0])


def verify_api_key(store: Store, key: str | None) -> ApiKey:
    """The active key matching ``key``; AuthError (one message for every failure) otherwise."""
    failure = AuthError("a valid API key is required: send it in the X-API-Key header", field="X-API-Key")
    if not key or not key.startswith(_KEY_START) or len(key) > 200:
        raise failure
    prefix, _, secret = key[len(_KEY_START) :].partition("_")
    if len(prefix) != _PREFIX_LENGTH or not secret:
        raise failure
    _ensure(store)
    row = store.execute(
        "SELECT id, name, prefix, salt, secret_hash, created_at, revoked_at FROM api_key WHERE prefix = ?",
        (prefix,),
    ).fetchone()
    if row is None or row["revoked_at"] is not None:
        raise failure
    if not hmac.compare_digest(_digest(row["salt"], secret), row["secret_hash"]):
        raise failure
    return ApiKey(row["id"], row["name"], row["prefix"], row["created_at"], None)


# -- browser sessions -------------------------------------------------------------------------------------------------
#: the signed-in browser's cookie: a random session id, never the API key itself
SESSION_COOKIE = "hhbill_session"
SESSION_LIFETIME = timedelta(hours=12)
SESSION_SCHEMA = """
CREATE TABLE IF NOT EXISTS web_session (
    id_hash TEXT PRIMARY KEY,          -- sha256 of the session id: a copy of the database signs no one in
    key_id INTEGER NOT NULL REFERENCES api_key(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"""


def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


def create_session(store: Store, key: str) -> tuple[ApiKey, str]:
    """Sign a browser in with an API key: a new random session id (for the cookie), valid 12 hours."""
    api_key = verify_api_key(store, key)
    _ensure(store)
    store.ensure_schema("web_session", SESSION_SCHEMA)
    session_id = secrets.token_urlsafe(32)
    now = datetime.now(UTC).replace(microsecond=0)
    with store.transaction() as conn:
        conn.execute("DELETE FROM web_session WHERE expires_at < ?", (now.isoformat(),))
        conn.execute(
            "INSERT INTO web_session (id_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (_session_hash(session_id), api_key.id, now.isoformat(), (now + SESSION_LIFETIME).isoformat()),
        )
    return api_key, session_id


def verify_session(store: Store, session_id: str | None) -> ApiKey:
    """The active key behind a live session; AuthError when the session is unknown, ended, expired or revoked."""
    failure = AuthError("please sign in again: this session has ended", field="session")
    if not session_id or len(session_id) > 100:
        raise failure
    _ensure(store)
    store.ensure_schema("web_session", SESSION_SCHEMA)
    row = store.execute(
        "SELECT k.id, k.name, k.prefix, k.created_at, k.revoked_at, s.expires_at FROM web_session s "
        "JOIN api_key k ON k.id = s.key_id WHERE s.id_hash = ?",
        (_session_hash(session_id),),
    ).fetchone()
    if row is None or row["revoked_at"] is not None or row["expires_at"] < _now():
        raise failure
    return ApiKey(row["id"], row["name"], row["prefix"], row["created_at"], None)


def end_session(store: Store, session_id: str | None) -> None:
    """Sign out: the session id stops working at once, wherever the cookie was copied to."""
    if not session_id:
        return
    store.ensure_schema("web_session", SESSION_SCHEMA)
    with store.transaction() as conn:
        conn.execute("DELETE FROM web_session WHERE id_hash = ?", (_session_hash(session_id),))


def authenticate(store: Store, header_key: str | None, session_id: str | None) -> ApiKey:
    """The caller's key: the ``X-API-Key`` header when sent, else the browser's session cookie."""
    if header_key:
        return verify_api_key(store, header_key)
    if session_id:
        return verify_session(store, session_id)
    return verify_api_key(store, None)


# -- cross-site request forgery ---------------------------------------------------------------------------------------
CSRF_COOKIE = "hhbill_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _cookie(scope: Scope, name: str) -> str | None:
    for header, value in scope.get("headers", []):
        if header == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, text = part.strip().partition("=")
                if key == name:
                    return text
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for header, value in scope.get("headers", []):
        if header == name:
            return str(value.decode("latin-1"))
    return None


def _is_html(message: Message) -> bool:
    return any(name.lower() == b"content-type" and b"text/html" in value for name, value in message.get("headers", []))


def _is_form_post(scope: Scope) -> bool:
    """A state-changing request to a page (not the API) made by a browser (no X-API-Key header: a cross-site
    page cannot send one)."""
    return (
        scope.get("method") in _UNSAFE_METHODS
        and not scope["path"].startswith("/api/")
        and _header(scope, b"x-api-key") is None
    )


class CsrfMiddleware:
    """Gives every browser a random CSRF token (an HttpOnly, SameSite=Strict cookie; the pages put the same
    value in a hidden field of each form), and refuses page posts whose ``Origin`` is another site, or missing or
    ``null`` without the browser's own ``Sec-Fetch-Site: same-origin`` (403). The token itself is compared by
    :func:`csrf_protect`, once the form is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _cookie(scope, CSRF_COOKIE)
        fresh = not token or len(token) > 100
        if fresh:
            token = secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf_token"] = token
        secure = "; Secure" if scope.get("scheme") == "https" else ""

        async def send_with_cookie(message: Message) -> None:
            # only a page carries the cookie: the page's forms hold this token, and the stylesheets and scripts it
            # loads at once (without the cookie yet) must not each set a different one
            if fresh and message["type"] == "http.response.start" and _is_html(message):
                cookie = f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        if _is_form_post(scope):
            origin = _header(scope, b"origin")
            host = _header(scope, b"host") or ""
            expected = f"{scope.get('scheme', 'http')}://{host}"
            # our pages send Referrer-Policy: no-referrer, under which a browser posts its own forms with
            # "Origin: null"; it then says where the post came from in Sec-Fetch-Site, which no page can forge
            attested = origin in (None, "null") and _header(scope, b"sec-fetch-site") == "same-origin"
            if origin != expected and not attested:
                why = "without an Origin header" if origin in (None, "", "null") else "from another site"
                await _plain_error(
                    send_with_cookie,
                    403,
                    "forbidden",
                    f"this form was posted {why}; forms must be posted from the hhbill site itself",
                    field="Origin",
                )
                return
        await self.app(scope, receive, send_with_cookie)


async def csrf_protect(request: Request) -> None:
    """Dependency of the page routes: a browser's form post must carry the CSRF token of its cookie."""
    if not _is_form_post(request.scope):
        return
    expected = request.cookies.get(CSRF_COOKIE)
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and "form" in request.headers.get("content-type", ""):
        value = (await request.form()).get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    if not expected or not supplied or not hmac.compare_digest(expected.encode(), supplied.encode()):
        raise HTTPException(403, "this form has expired or did not come from hhbill; reload the page and try again")


# -- rate limit -----------------------------------------------------------------------------------------------------
class RateLimiter:
    """At most ``limit`` requests per client per ``window`` seconds (a sliding pair of fixed windows).

    The table is an LRU of at most ``max_clients`` entries: each hit moves its client to the end, so the clients
    not seen for two windows sit at the front and are dropped there, a few per hit. Each entry is added and
    dropped once, so expiry costs O(1) amortised per request, and a flood of new client keys can neither grow
    the table nor make every request scan it.
    """

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_clients: int = 100_000,
    ) -> None:
        if limit < 0 or window <= 0:
            raise ClaimInputError("rate limit must be >= 0 requests per a positive window", field="rate_limit")
        self.limit = limit
        self.window = window
        self.max_clients = max(1, max_clients)
        self._clock = clock
        # client -> (window number, count, previous count), least recently seen first
        self._counts: OrderedDict[str, tuple[int, int, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._counts)

    def hit(self, client: str) -> float | None:
        """Count a request; None when allowed, else the seconds to wait before retrying."""
        if self.limit == 0:
            return None
        now = self._clock()
        number = int(now // self.window)
        with self._lock:
            counts = self._counts
            current, count, previous = counts.pop(client, (number, 0, 0))
            # forget idle clients at the front: none of them counts any more (two windows without a request)
            while counts:
                oldest = next(iter(counts.values()))
                if oldest[0] >= number - 1 and len(counts) < self.max_clients:
                    break
                counts.popitem(last=False)
            if current != number:
                previous = count if current == number - 1 else 0
                current, count = number, 0
            # weight the previous window by how much of it still overlaps the sliding window
            elapsed = (now % self.window) / self.window
            estimate = previous * (1 - elapsed) + count
            if estimate >= self.limit:
                counts[client] = (current, count, previous)
                return max(1.0, self.window * (1 - elapsed))
            counts[client] = (current, count + 1, previous)
            return None


def client_address(scope: Scope, trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> str:
    """The address a request is counted against: the connecting peer, or, when that peer is a configured proxy,
    the nearest address in ``X-Forwarded-For`` that is not a configured proxy (the rest of it could be forged)."""
    peer = str((scope.get("client") or ("unknown", 0))[0])
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    forwarded = ",".join(
        value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"x-forwarded-for"
    )
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not _is_trusted(hop, trusted_proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # not an address: the proxy passed on something forged; count the proxy
    return peer


def _is_trusted(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


# -- ASGI middleware --------------------------------------------------------------------------------------------------
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class _TooLarge(HTTPException):
    """Raised while a body streams in past the limit (an HTTPException, so FastAPI's body parsing passes it on)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the {limit:,}-byte limit")


class BadText(HTTPException):
    """A JSON body holds a lone surrogate (``"\\ud800"``): refused before any route sees it (422, naming the field)."""

    def __init__(self, field: str) -> None:
        super().__init__(
            422,
            f"{field}: holds a character that is not valid text (half of a UTF-16 surrogate pair); retype or remove it",
        )
        self.field = field


def _json_body_problem(raw: bytes) -> str | None:
    """The field of a JSON body holding a lone surrogate, if any (the parse only runs when an escape is seen)."""
    if not has_surrogate_escape(raw):
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None  # not JSON: the route's own parser says so
    return find_lone_surrogate(data)


def error_body(status: int, code: str, message: str, field: str | None = None) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, "field": field}}).encode()


class GuardMiddleware:
    """Size limit, rate limit, security headers and the PHI-free access log, for every request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        limiter: RateLimiter,
        private_prefixes: tuple[str, ...] = (),
        trusted_proxies: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.limiter = limiter
        self.private_prefixes = private_prefixes
        self.trusted_proxies = tuple(ipaddress.ip_network(p, strict=False) for p in trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_seen = [0]
        private = scope["path"].startswith(self.private_prefixes)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_seen[0] = message["status"]
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                if private and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            wait = self.limiter.hit(client_address(scope, self.trusted_proxies))
            if wait is not None:
                await _plain_error(
                    send_with_headers,
                    429,
                    "rate_limited",
                    f"too many requests from this client; retry in {int(wait + 0.999)} s",
                    extra=[(b"retry-after", str(int(wait + 0.999)).encode())],
                )
                return
            length = _content_length(scope)
            if length is not None and length > self.max_body_bytes:
                await _plain_error(send_with_headers, 413, "too_large", self._too_large_message())
                return
            received = [0]
            json_chunks: list[bytes] | None = [] if _is_json(scope) else None

            async def limited_receive() -> Message:
                message = await receive()
                if message["type"] == "http.request":
                    chunk = message.get("body", b"")
                    received[0] += len(chunk)
                    if received[0] > self.max_body_bytes:
                        raise _TooLarge(self.max_body_bytes)
                    if json_chunks is not None:
                        json_chunks.append(chunk)
                        if not message.get("more_body", False):
                            field = _json_body_problem(b"".join(json_chunks))
                            json_chunks.clear()
                            if field is not None:
                                raise BadText(field)
                return message

            try:
                await self.app(scope, limited_receive, send_with_headers)
            except _TooLarge:
                if status_seen[0] == 0:
                    await _plain_error(send_with_headers, 413, "too_large", self._too_large_message())
            except BadText as exc:
                if status_seen[0] == 0:
                    await _plain_error(send_with_headers, 422, "invalid", str(exc.detail), field=exc.field)
            except Exception:
                # an unexpected failure: log where (never the URL or body: PHI) and answer a plain 500 that still
                # carries the security headers (the framework's own 500 page is outside this middleware)
                route = getattr(scope.get("route"), "path", "(unmatched)")
                access_log.exception("%s %s failed", scope.get("method", "-"), route)
                if status_seen[0] == 0:
                    await _plain_error(
                        send_with_headers, 500, "internal", "the server failed to answer this request; it was logged"
                    )
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None)
            if template is None:
                template = "(static)" if scope["path"].startswith("/static/") else "(unmatched)"
            access_log.info(
                "%s %s %s %.1fms",
                scope.get("method", "-"),
                template,
                status_seen[0] or 500,
                (time.perf_counter() - started) * 1000,
            )

    def _too_large_message(self) -> str:
        return f"the request body is larger than the {self.max_body_bytes:,}-byte limit"


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return b"json" in value.lower()
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _plain_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    extra: list[tuple[bytes, bytes]] | None = None,
    field: str | None = None,
) -> None:
    body = error_body(status, code, message, field)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += extra or []
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
