"""Two lanes for the work a server does, so quick lookups never queue behind claim checks.

A claim check costs a few code lookups (about 2 ms of CPU against well under 1 ms, ``bench/api_load.py --mixed``)
and can take seconds (a large 837I). Run in the same thread pool, 50 checks in flight take every thread, and a
lookup arriving behind them waits for all of them. The claim lane
admits at most ``slots`` claim requests at a time per server process; the rest wait at the door once their body
has arrived (a stalled upload holds no slot). So the thread pool always has room for lookups, and lookup latency
follows from the lookup rate alone. Claim requests are the non-GET routes under :data:`CLAIM_PREFIXES`.
"""

from __future__ import annotations

import os
from typing import Any

import anyio

from ._security import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CLAIM_PREFIXES", "ClaimLaneMiddleware", "default_claim_slots"]

#: the heavy routes: claim build/check, 837I scrub, and their pages
CLAIM_PREFIXES = ("/api/v1/claims", "/claims", "/x12")


def default_claim_slots() -> int:
    """Claim requests worked on at once per process: two per core, at least 8, well under the 40 threads of
    the pool (the GIL makes more threads add waiting, not CPU)."""
    return max(8, 2 * (os.cpu_count() or 1))


class ClaimLaneMiddleware:
    """Admit at most ``slots`` claim requests at once; everything else passes straight through."""

    def __init__(self, app: ASGIApp, *, slots: int | None = None, prefixes: tuple[str, ...] = CLAIM_PREFIXES) -> None:
        self.app = app
        self.prefixes = prefixes
        self.slots = slots or default_claim_slots()
        self._limiter: Any = None  # made on first use, inside the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") == "GET" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        # take the whole body first (the guard outside bounds its size): a slow or stalled upload must not hold
        # a slot while it dribbles in, or a few slow clients would close the lane to everyone
        messages: list[Message] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()  # after the body: only the disconnect is left to wait for

        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.slots)
        async with self._limiter:
            await self.app(scope, replay, send)
