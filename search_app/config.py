"""All web settings in one place: defaults < POLICY_SEARCH_* environment < explicit overrides.

Explicit overrides (a dict given to `create_app`, e.g. from CLI flags or tests) win over the
environment so that a test or `--index` never picks up a stray variable; keys whose value is
None are ignored, so a CLI can pass an unset flag through and let the environment decide.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

from . import limits

DEFAULTS: dict = {
    "INDEX_DIR": "index",
    "CORS_ORIGINS": [],          # origins allowed to call /api/* from the browser (widget hosts)
    "MAX_QUERY_LENGTH": limits.MAX_QUERY_LENGTH,   # characters; the parser enforces its own bound too
    "DEFAULT_PER_PAGE": limits.DEFAULT_PER_PAGE,
    "MAX_PER_PAGE": limits.MAX_PER_PAGE,
    "MAX_PAGE": limits.MAX_PAGE,
    "SUGGEST_LIMIT": limits.SUGGEST_LIMIT,
    # request limits (search_app/web/ratelimit.py, SECURITY.md)
    "RATE_LIMIT": None,          # per client on searching routes, e.g. "60/minute"; None: off
    "RATE_LIMIT_LOOPBACK": False,  # also limit 127.0.0.1/::1 (exempt by default: local tools, a proxy)
    "MAX_CONTENT_LENGTH": 16 * 1024,  # bytes of request body; every route is GET
    "TRUSTED_PROXIES": 0,        # reverse proxies in front whose X-Forwarded-For/-Proto/-Host to trust
    "PUBLIC_URL": None,          # e.g. "https://search.intranet.example": /embed's snippet points here, not at Host
}

# environment variable (without prefix) -> config key; aliases accepted for convenience
ENV_PREFIX = "POLICY_SEARCH_"
ENV_KEYS = {
    "INDEX": "INDEX_DIR",
    "INDEX_DIR": "INDEX_DIR",
    "CORS_ORIGINS": "CORS_ORIGINS",
    "MAX_QUERY_LENGTH": "MAX_QUERY_LENGTH",
    "DEFAULT_PER_PAGE": "DEFAULT_PER_PAGE",
    "MAX_PER_PAGE": "MAX_PER_PAGE",
    "MAX_PAGE": "MAX_PAGE",
    "SUGGEST_LIMIT": "SUGGEST_LIMIT",
    "RATE_LIMIT": "RATE_LIMIT",
    "RATE_LIMIT_LOOPBACK": "RATE_LIMIT_LOOPBACK",
    "MAX_CONTENT_LENGTH": "MAX_CONTENT_LENGTH",
    "TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "PUBLIC_URL": "PUBLIC_URL",
}
INT_KEYS = {"MAX_QUERY_LENGTH", "DEFAULT_PER_PAGE", "MAX_PER_PAGE", "MAX_PAGE", "SUGGEST_LIMIT",
            "MAX_CONTENT_LENGTH", "TRUSTED_PROXIES"}
MIN_ZERO_KEYS = {"TRUSTED_PROXIES"}
BOOL_KEYS = {"RATE_LIMIT_LOOPBACK"}


class ConfigError(ValueError):
    """A setting that cannot be used; raised at startup, never per request."""


def parse_origins(value) -> list[str]:
    """Comma/space separated origins -> list without trailing slashes; '*' stays '*'."""
    if value is None:
        return []
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    out = []
    for item in items:
        item = str(item).strip().rstrip("/")
        if not item:
            continue
        if item != "*" and not item.startswith(("http://", "https://")):
            raise ConfigError(f"CORS origin must start with http:// or https://: {item!r}")
        out.append(item)
    return out


def parse_public_url(value, source: str = "config") -> str:
    """The service's public address (scheme://host[:port][/path]) without a trailing slash."""
    from urllib.parse import urlsplit
    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment \
            or any(c in text for c in '<>"\' \\') or any(ord(c) < 33 for c in text):
        raise ConfigError(f"{source}: PUBLIC_URL must look like https://search.example[/path], got {value!r}")
    return text


def _coerce(key: str, value, source: str):
    if key in INT_KEYS:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ConfigError(f"{source}: {key} must be an integer, got {value!r}") from None
        low = 0 if key in MIN_ZERO_KEYS else 1
        if number < low:
            raise ConfigError(f"{source}: {key} must be at least {low}, got {number}")
        return number
    if key in BOOL_KEYS:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ConfigError(f"{source}: {key} must be true or false, got {value!r}")
        return word in ("1", "true", "yes", "on")
    if key == "CORS_ORIGINS":
        return parse_origins(value)
    if key == "PUBLIC_URL":
        return parse_public_url(value, source)
    if key == "INDEX_DIR":
        return os.fspath(value)
    return value


def load_config(overrides: Mapping | None = None, environ: Mapping | None = None) -> dict:
    """The effective settings; unknown override keys pass through (Flask's own, SEARCHER, ...)."""
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    for name, key in ENV_KEYS.items():
        value = environ.get(ENV_PREFIX + name)
        if value is not None and value.strip():
            config[key] = _coerce(key, value, ENV_PREFIX + name)
    for key, value in (overrides or {}).items():
        if value is not None:
            config[key] = _coerce(key, value, "config")
    if config["DEFAULT_PER_PAGE"] > config["MAX_PER_PAGE"]:
        raise ConfigError("DEFAULT_PER_PAGE must not exceed MAX_PER_PAGE")
    return config
