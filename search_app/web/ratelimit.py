"""Limits checked before any view runs, so hostile requests cost little and never reach the index:

- a query string longer than MAX_QUERY_STRING bytes → 414 (before Werkzeug decodes it);
- a query string that is not UTF-8, raw or %-decoded → 400 (Werkzeug would raise UnicodeDecodeError
  → 500, or search for U+FFFD);
- OPTIONS other than a CORS preflight from an allowed origin → 405;
- a request body longer than MAX_CONTENT_LENGTH → 413 (every route is GET: nothing needs one);
- more than RATE_LIMIT requests from one client on a searching route → 429 with Retry-After.

The rate limit is a token bucket per client address (``request.remote_addr``: put the app behind
a proxy only with TRUSTED_PROXIES set, see SECURITY.md), per process, in memory. It is off unless
RATE_LIMIT is set ("60/minute", "5/second", "1000/hour", "120/5minutes"), and loopback clients
(127.0.0.0/8, ::1) are exempt unless RATE_LIMIT_LOOPBACK is true.
"""
from __future__ import annotations

import ipaddress
import math
import re
import threading
import time
from urllib.parse import unquote_to_bytes

from flask import abort, current_app, request
from werkzeug.exceptions import MethodNotAllowed, TooManyRequests

from ..config import ConfigError

MAX_QUERY_STRING = 16 * 1024     # bytes; q, dept and doc are 200 characters each, 9 bytes a character at most
LIMITED_PREFIXES = ("/api/", "/search", "/doc/")   # routes that run the searcher (not static files, /healthz)
MAX_CLIENTS = 10_000             # buckets kept; idle (full) ones are dropped first

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
          "d": 86400, "day": 86400}
_RATE_RE = re.compile(r"\s*(\d+)\s*(?:/|per)\s*(\d*)\s*([a-z]+?)s?\s*", re.I)


def parse_rate(value) -> tuple[int, float] | None:
    """"60/minute" → (60, 60): a burst of up to 60 requests, then one a second; None when off."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "0", "off", "none", "false")):
        return None
    m = _RATE_RE.fullmatch(str(value))
    unit = _UNITS.get(m[3].lower()) if m else None
    if unit is None or int(m[1]) < 1 or (m[2] and int(m[2]) < 1):
        raise ConfigError(f"RATE_LIMIT (env POLICY_SEARCH_RATE_LIMIT) must look like 60/minute, 5/second or "
                          f"120/5minutes, got {value!r}")
    return int(m[1]), unit * int(m[2] or 1)


def is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").split("%")[0]).is_loopback
    except ValueError:
        return False


class TokenBucket:
    """Per-key buckets of `capacity` tokens refilled at capacity/period per second; thread-safe."""

    def __init__(self, capacity: int, period: float, clock=time.monotonic, max_keys: int = MAX_CLIENTS):
        self.capacity, self.rate, self.clock, self.max_keys = capacity, capacity / period, clock, max_keys
        self._buckets: dict[str, tuple[float, float]] = {}   # key -> (tokens, last update)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when the request may go ahead (a token is taken), else seconds until one is available."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1 - tokens) / self.rate
            if len(self._buckets) > self.max_keys:
                self._prune(now)
            return wait

    def _prune(self, now: float) -> None:
        full = [k for k, (t, last) in self._buckets.items() if t + (now - last) * self.rate >= self.capacity]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) > self.max_keys:     # all busy: forget the longest idle half
            for k, _ in sorted(self._buckets.items(), key=lambda kv: kv[1][1])[: len(self._buckets) // 2]:
                del self._buckets[k]


def _is_utf8_query(raw: str) -> bool:
    """The query string, and every %-escaped value in it, is strict UTF-8: %FF, an encoded surrogate
    (%ED%A0%80) or an overlong form (%C0%AF) is refused, where Werkzeug would search for "\ufffd"."""
    try:
        raw.encode("latin-1").decode("utf-8")
        for part in re.split(r"[&;=]", raw):
            unquote_to_bytes(part.replace("+", " ")).decode("utf-8")
    except UnicodeError:
        return False
    return True


def _is_preflight(origins) -> bool:
    """A CORS preflight: OPTIONS on /api/* from an allowed origin asking for a GET or HEAD. Every
    other OPTIONS request is 405, as any method but GET/HEAD (Flask would answer 200 with Allow)."""
    origin = request.headers.get("Origin", "").rstrip("/")
    return (request.path.startswith("/api/") and bool(origin)
            and ("*" in origins or origin in origins)
            and request.headers.get("Access-Control-Request-Method", "").upper() in ("GET", "HEAD"))


def register(app) -> None:
    rate = parse_rate(app.config.get("RATE_LIMIT"))
    limiter = TokenBucket(*rate) if rate else None
    app.extensions["policy_search_ratelimit"] = limiter
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.before_request
    def check_limits():
        raw = request.environ.get("QUERY_STRING", "")
        if len(raw) > MAX_QUERY_STRING:
            abort(414, description=f"请求地址过长：查询参数最多 {MAX_QUERY_STRING} 字节")
        if not _is_utf8_query(raw):
            abort(400, description="请求参数不是有效的 UTF-8 编码")
        if request.method == "OPTIONS" and not _is_preflight(current_app.config.get("CORS_ORIGINS") or ()):
            raise MethodNotAllowed(valid_methods=["GET", "HEAD"])
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit and (request.content_length or 0) > limit:
            abort(413, description=f"请求体过大：最多 {limit} 字节")
        if limiter is None or not request.path.startswith(LIMITED_PREFIXES):
            return None
        client = request.remote_addr or "unknown"
        if is_loopback(client) and not current_app.config.get("RATE_LIMIT_LOOPBACK"):
            return None
        wait = limiter.take(client)
        if wait:
            raise TooManyRequests(description=f"请求过于频繁，请 {math.ceil(wait)} 秒后再试",
                                  retry_after=math.ceil(wait))
        return None
