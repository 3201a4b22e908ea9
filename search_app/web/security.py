"""Response headers that hold for every route. Pages get a strict CSP: no inline script or
style anywhere (page JS lives in static files; the widget styles its shadow root from a
same-origin stylesheet), so an injection that slipped past escaping still cannot run."""
from __future__ import annotations

from flask import request

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])


def register(app) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CSP)
        if request.path.startswith("/api/"):
            # CORS answers differ by Origin; flask-cors skips Vary when one origin is allowed
            response.vary.add("Origin")
        return response

    origins = app.config["CORS_ORIGINS"]
    if origins:
        from flask_cors import CORS

        # always_send=False: without an Origin header flask-cors would list every allowed origin
        CORS(app, resources={r"/api/*": {"origins": origins}}, methods=["GET", "HEAD", "OPTIONS"],
             always_send=False, max_age=600)
