"""Running the service under uvicorn: worker count, a capped request-header size (431), proxy handling.

Why a protocol subclass: uvicorn's fastest parser (httptools) accepts request headers of any size, and its h11
parser answers an over-long header block with a bare 400 after buffering it. :class:`CappedH11Protocol` counts
the bytes of a header block still incomplete and answers ``431 Request Header Fields Too Large`` as soon as they
pass the limit, so memory per connection stays bounded by the limit, not by what a client sends.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from ._security import SECURITY_HEADERS, error_body
from ._settings import Settings

__all__ = ["CappedH11Protocol", "default_workers", "uvicorn_options"]


def default_workers(cpu_count: int | None = None) -> int:
    """One server process per core the machine has (at most 8: past that SQLite's single writer is the limit)."""
    cores = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return max(1, min(cores, 8))


class CappedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a hard cap on the request line + header block (``HHBILL_MAX_HEADER_BYTES``)."""

    #: from ``HHBILL_MAX_HEADER_BYTES`` when set (worker processes read it there), else the default
    max_header_bytes = int(os.environ.get("HHBILL_MAX_HEADER_BYTES") or Settings().max_header_bytes)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_bytes = 0  # bytes of the current request's header block received so far
        self._tail = b""  # its last 3 bytes: the blank line ending it may straddle two reads

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            room = self.max_header_bytes - self._header_bytes
            if len(data) > room and b"\r\n\r\n" not in self._tail + data[: max(room, 0) + 4]:
                self._refuse_headers()  # the header block would pass the limit: refuse before buffering it
                return
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self.conn.their_state is h11.IDLE:
            self._header_bytes += len(data)  # still incomplete: everything received so far belongs to it
            self._tail = (self._tail + data)[-3:]
        else:
            self._header_bytes, self._tail = 0, b""

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


def capped_protocol(max_header_bytes: int) -> type[CappedH11Protocol]:
    """The protocol class for a given cap (the default class when the cap is the default, so it pickles for
    worker processes)."""
    if max_header_bytes == CappedH11Protocol.max_header_bytes:
        return CappedH11Protocol
    return type("CappedH11Protocol", (CappedH11Protocol,), {"max_header_bytes": max_header_bytes})


def uvicorn_options(settings: Settings, *, host: str, port: int, workers: int = 1) -> dict[str, Any]:
    """The uvicorn settings hhbill serves with (several workers read the header cap from the environment)."""
    return {
        "host": host,
        "port": port,
        "http": capped_protocol(settings.max_header_bytes) if workers == 1 else CappedH11Protocol,
        # h11's own buffer limit sits above ours, so our 431 answers first
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
