"""Running the service under uvicorn: worker count, a capped request-header size (431), proxy handling.

Why protocol subclasses: uvicorn's fastest parser (httptools) accepts request headers of any size (it keeps a header
value in memory until its line ends), and its h11 parser answers an over-long header block with a bare 400 after
buffering it. :class:`CappedHttpToolsProtocol` (used when httptools is installed, as with ``uvicorn[standard]``) and
:class:`CappedH11Protocol` (the pure-Python fallback) count the bytes of a header block still incomplete and answer
``431 Request Header Fields Too Large`` as soon as they pass the limit, before the parser sees them, so memory per
connection stays bounded by the limit, not by what a client sends. httptools parses in C, h11 in Python: with it
the HTTP layer's CPU per request falls by about half (the bare endpoint of ``bench/api_load.py --mixed``).
"""

from __future__ import annotations

import copy
import os
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from ._security import SECURITY_HEADERS, error_body
from ._settings import Settings

try:  # C parser from uvicorn[standard]; without it the pure-Python h11 protocol serves
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is a dependency; kept for installs without it
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

__all__ = ["CappedH11Protocol", "CappedHttpToolsProtocol", "default_workers", "uvicorn_options"]

#: from ``HHBILL_MAX_HEADER_BYTES`` when set (worker processes read it there), else the default
DEFAULT_MAX_HEADER_BYTES = int(os.environ.get("HHBILL_MAX_HEADER_BYTES") or Settings().max_header_bytes)


def default_workers(cpu_count: int | None = None) -> int:
    """One server process per core the machine has (at most 8: past that SQLite's single writer is the limit)."""
    cores = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return max(1, min(cores, 8))


class _HeaderCap:
    """The byte count of a request head still incomplete, checked before the parser buffers more of it."""

    max_header_bytes = DEFAULT_MAX_HEADER_BYTES
    transport: Any

    def _reset_head(self) -> None:
        self._header_bytes = 0  # bytes of the current request's head received so far
        self._tail = b""  # its last 3 bytes: the blank line ending it may straddle two reads

    def _head_overflows(self, data: bytes) -> bool:
        """Would ``data`` take the head past the limit without ending it?"""
        room = self.max_header_bytes - self._header_bytes
        return len(data) > room and b"\r\n\r\n" not in self._tail + data[: max(room, 0) + 4]

    def _count_head(self, data: bytes) -> None:
        """``data`` all went into a head not yet complete."""
        self._header_bytes += len(data)
        self._tail = (self._tail + data)[-3:]

    def _refuse_headers(self) -> None:
        body = error_body(
            431,
            "headers_too_large",
            f"the request line and headers are larger than the {self.max_header_bytes:,}-byte limit",
        )
        head = [
            b"HTTP/1.1 431 Request Header Fields Too Large",
            b"content-type: application/json",
            b"content-length: " + str(len(body)).encode(),
            b"connection: close",
            *(name + b": " + value for name, value in SECURITY_HEADERS),
        ]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        self.transport.close()


class CappedH11Protocol(_HeaderCap, H11Protocol):
    """uvicorn's h11 protocol with a hard cap on the request line + header block (``HHBILL_MAX_HEADER_BYTES``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reset_head()

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and self._head_overflows(data):
            self._refuse_headers()  # the header block would pass the limit: refuse before buffering it
            return
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self.conn.their_state is h11.IDLE:
            self._count_head(data)  # still incomplete: everything received so far belongs to it
        else:
            self._reset_head()


if HttpToolsProtocol is not None:

    class CappedHttpToolsProtocol(_HeaderCap, HttpToolsProtocol):
        """uvicorn's httptools protocol with the same cap: between the end of one request and the end of the next
        one's headers, every byte received counts toward the limit."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._reset_head()
            self._in_head = True  # waiting for (the rest of) a request line and headers
            self._completed = False  # a request ended inside the chunk being parsed

        def data_received(self, data: bytes) -> None:
            if self._in_head and self._head_overflows(data):
                self._refuse_headers()
                return
            self._completed = False
            super().data_received(data)
            if self.transport.is_closing():
                return
            if self._in_head and not self._completed:
                self._count_head(data)
            else:  # a head, or a whole request, ended in this chunk (bytes after it in the same read are not counted)
                self._reset_head()

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._in_head, self._completed = True, True

else:  # pragma: no cover
    CappedHttpToolsProtocol = None  # type: ignore[assignment,misc]

#: the protocol hhbill serves with: httptools' C parser when installed, else h11
CappedProtocol: type[Any] = CappedH11Protocol if HttpToolsProtocol is None else CappedHttpToolsProtocol


def capped_protocol(max_header_bytes: int, base: type[Any] | None = None) -> type[Any]:
    """The protocol class for a given cap (the default class when the cap is the default, so it pickles for
    worker processes)."""
    base = base or CappedProtocol
    if max_header_bytes == base.max_header_bytes:
        return base
    return type(base.__name__, (base,), {"max_header_bytes": max_header_bytes})


def uvicorn_options(settings: Settings, *, host: str, port: int, workers: int = 1) -> dict[str, Any]:
    """The uvicorn settings hhbill serves with (several workers read the header cap from the environment)."""
    return {
        "host": host,
        "port": port,
        "http": capped_protocol(settings.max_header_bytes) if workers == 1 else CappedProtocol,
        # h11's own buffer limit (the fallback parser) sits above ours, so our 431 answers first
        "h11_max_incomplete_event_size": 2 * settings.max_header_bytes,
        # uvicorn's access log prints query strings (patient data on claim routes): ours logs route templates only
        "access_log": False,
        "log_level": "warning",
        "server_header": False,
        # X-Forwarded-For is read by our rate limiter, and only from the proxies configured in settings
        "proxy_headers": False,
        # applied in every worker process too (a worker does not inherit the parent's logging set-up)
        "log_config": log_config(),
        # a worker busy with a seconds-long 837I on a loaded machine is not hung: give it longer than uvicorn's
        # 5 s default to answer the supervisor's ping before it is killed with every request it holds
        "timeout_worker_healthcheck": 60,
    }


def log_config() -> dict[str, Any]:
    """uvicorn's logging plus hhbill's own loggers (the PHI-free access log) on stderr."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["hhbill"] = {"format": "%(asctime)s %(name)s %(message)s"}
    config["handlers"]["hhbill"] = {
        "class": "logging.StreamHandler",
        "formatter": "hhbill",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["hhbill"] = {"handlers": ["hhbill"], "level": "INFO", "propagate": False}
    return config
