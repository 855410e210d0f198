"""Service settings: defaults, then ``HHBILL_*`` environment variables, then explicit arguments."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, replace
from typing import Any

from .._errors import ConfigError

__all__ = ["Settings"]

MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    #: claim, 837I and procedure-log routes need an X-API-Key (or the signed-in cookie in the web UI)
    require_api_key: bool = True
    #: browser origins allowed to call the API cross-site (exact origins; "*" is refused). Default: none.
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    #: largest request body accepted (413 beyond)
    max_body_bytes: int = 5 * MB
    #: requests per client address per ``rate_window`` seconds (0 turns the limit off)
    rate_limit: int = 1200
    rate_window: float = 60.0
    #: largest request line + header block accepted (431 beyond)
    max_header_bytes: int = 64 * 1024
    #: addresses or networks of reverse proxies whose ``X-Forwarded-For`` names the client (default: none, so
    #: the rate limit counts the connecting address and a forged header changes nothing)
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    #: distinct clients the rate limiter remembers at once (the least recently seen are forgotten first)
    rate_table_size: int = 100_000

    def __post_init__(self) -> None:
        for origin in self.cors_origins:
            if origin == "*" or "*" in origin:
                raise ConfigError(
                    "CORS origins must be exact (scheme://host[:port]); a wildcard is refused", field="cors_origins"
                )
            if not origin.startswith(("http://", "https://")):
                raise ConfigError(f"CORS origin {origin!r} must start with http:// or https://", field="cors_origins")
        if self.max_body_bytes < 1024:
            raise ConfigError("max_body_bytes must be at least 1024", field="max_body_bytes")
        if self.rate_limit < 0 or self.rate_window <= 0:
            raise ConfigError("rate_limit must be >= 0 and rate_window > 0", field="rate_limit")
        if self.max_header_bytes < 1024:
            raise ConfigError("max_header_bytes must be at least 1024", field="max_header_bytes")
        if self.rate_table_size < 1:
            raise ConfigError("rate_table_size must be at least 1", field="rate_table_size")
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ConfigError(
                    f"trusted proxy {proxy!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)",
                    field="trusted_proxies",
                ) from None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults overridden by ``HHBILL_CORS_ORIGINS`` (comma-separated), ``HHBILL_RATE_LIMIT``,
        ``HHBILL_MAX_BODY_BYTES``, ``HHBILL_MAX_HEADER_BYTES``, ``HHBILL_TRUSTED_PROXIES`` (comma-separated),
        ``HHBILL_REQUIRE_API_KEY`` (0/1), then by ``overrides``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        try:
            if env.get("HHBILL_CORS_ORIGINS"):
                values["cors_origins"] = tuple(o.strip() for o in env["HHBILL_CORS_ORIGINS"].split(",") if o.strip())
            if env.get("HHBILL_RATE_LIMIT"):
                values["rate_limit"] = int(env["HHBILL_RATE_LIMIT"])
            if env.get("HHBILL_MAX_BODY_BYTES"):
                values["max_body_bytes"] = int(env["HHBILL_MAX_BODY_BYTES"])
            if env.get("HHBILL_MAX_HEADER_BYTES"):
                values["max_header_bytes"] = int(env["HHBILL_MAX_HEADER_BYTES"])
            if env.get("HHBILL_TRUSTED_PROXIES"):
                values["trusted_proxies"] = tuple(
                    p.strip() for p in env["HHBILL_TRUSTED_PROXIES"].split(",") if p.strip()
                )
        except ValueError as exc:
            raise ConfigError(f"bad HHBILL_* setting: {exc}") from None
        if env.get("HHBILL_REQUIRE_API_KEY"):
            values["require_api_key"] = env["HHBILL_REQUIRE_API_KEY"].strip().lower() not in ("0", "false", "no")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)

    def to_env(self) -> dict[str, str]:
        """These settings as ``HHBILL_*`` variables: how worker processes, which build their own app, get them."""
        return {
            "HHBILL_REQUIRE_API_KEY": "1" if self.require_api_key else "0",
            "HHBILL_CORS_ORIGINS": ",".join(self.cors_origins),
            "HHBILL_MAX_BODY_BYTES": str(self.max_body_bytes),
            "HHBILL_RATE_LIMIT": str(self.rate_limit),
            "HHBILL_MAX_HEADER_BYTES": str(self.max_header_bytes),
            "HHBILL_TRUSTED_PROXIES": ",".join(self.trusted_proxies),
        }
