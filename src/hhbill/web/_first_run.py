"""A single user's first run: ``hhbill serve`` on a loopback address prints a one-time sign-in link, so nobody
has to run ``hhbill apikey create`` before using the claim pages on their own machine.

At start the server makes an API key for this run (stored hashed, like every key; never printed) and a one-time
token. Opening ``/login/once?token=...`` once signs that browser in with the key; the token then stops working.
On any other address there is no link: keys are required as always.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response

from .._store import Store
from ._common import render, signed_in_redirect, store_of
from ._security import create_api_key, create_session, list_api_keys, revoke_api_key

__all__ = ["FIRST_RUN_KEY_NAME", "OneTimeSignIn", "enable_first_run_link", "is_loopback", "router"]

#: the name of the key a run makes; the keys of earlier runs are revoked when a new one starts
FIRST_RUN_KEY_NAME = "local sign-in (hhbill serve)"
#: how long the link works after the server starts
LINK_LIFETIME_SECONDS = 3600

router = APIRouter(include_in_schema=False)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class OneTimeSignIn:
    """The token of one link and the key it signs in with; usable once, until ``expires``."""

    token: str
    key: str
    expires: float
    used: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def redeem(self, token: str, now: float | None = None) -> str | None:
        """The key to sign in with, the first time the right token is presented before it expires; else None."""
        with self._lock:
            if self.used or (now if now is not None else time.monotonic()) > self.expires:
                return None
            if not hmac.compare_digest(token.encode(), self.token.encode()):
                return None
            self.used = True
            return self.key


def enable_first_run_link(app: FastAPI, store: Store, host: str, port: int) -> str | None:
    """On a loopback address: make this run's key and one-time token and return the sign-in link to print.
    Elsewhere: None (keys stay required and no link exists)."""
    if not is_loopback(host):
        return None
    for earlier in list_api_keys(store):
        if earlier.name == FIRST_RUN_KEY_NAME and earlier.active:
            revoke_api_key(store, str(earlier.id))
    _, key = create_api_key(store, FIRST_RUN_KEY_NAME)
    token = secrets.token_urlsafe(32)
    app.state.one_time_sign_in = OneTimeSignIn(token, key, time.monotonic() + LINK_LIFETIME_SECONDS)
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/login/once?token={token}"


@router.get("/login/once")
def sign_in_once(request: Request, token: Annotated[str, Query(max_length=200)] = "") -> Response:
    """Redeem the one-time link printed by ``hhbill serve``: sign this browser in and go to the claim builder."""
    link: OneTimeSignIn | None = getattr(request.app.state, "one_time_sign_in", None)
    key = link.redeem(token) if link is not None else None
    if key is None:
        message = (
            "this sign-in link has been used or has expired: restart `hhbill serve` for a new one, "
            "or sign in with an API key (`hhbill apikey create`)"
        )
        return render(request, "login.html", status_code=401, next="/claims", error=message)
    _api_key, session_id = create_session(store_of(request), key)
    return signed_in_redirect(request, session_id, "/claims")
