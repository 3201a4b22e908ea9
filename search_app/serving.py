"""Serving the app with several processes (gunicorn's gthread workers, each building and warming
its own app after the fork), and the warm-up both servers give an app before its first request
(`policy-search serve` runs waitress itself with --workers 1)."""
from __future__ import annotations

from .middleware import BodyLimit, QuietGc

KEEPALIVE_REQUESTS = 100   # --workers ≥ 2: answers on one keep-alive connection before it is closed


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def gunicorn_server(index_dir, host, port, threads, workers):
    """gunicorn's master process with `workers` gthread workers; each worker builds the app and
    warms its own Searcher after the fork, before it takes a request."""
    from .config import ConfigError
    try:
        import gunicorn.http.wsgi
        from gunicorn.app.base import BaseApplication
    except ImportError as exc:  # not installed, or a platform without fork (Windows)
        raise ConfigError(f"--workers {workers} needs gunicorn, which cannot be used here ({exc}); "
                          "use --workers 1") from None

    def build_app():
        from . import create_app
        app = create_app({"INDEX_DIR": index_dir})
        app.wsgi_app = BodyLimit(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])
        warm(app)
        return app

    def pre_request(worker, req):
        # gthread workers all accept from one listening socket, and a keep-alive connection stays with
        # the worker that accepted it: 16 clients may land 14 on one worker and 2 on the other and stay
        # so. Closing each connection after KEEPALIVE_REQUESTS answers ("Connection: close", as nginx's
        # keepalive_requests) deals them out again, so that the workers share the load over time.
        if req.req_number >= KEEPALIVE_REQUESTS:
            req.force_close()

    options = {
        "bind": [f"{url_host(host)}:{port}"],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "worker_connections": 100,     # per worker, as waitress's connection limit
        "keepalive": 5,                # idle keep-alive connections are closed after 5 s
        "timeout": 120,                # a worker silent this long (opening and warming a large index) is restarted
        "graceful_timeout": 10,        # SIGTERM: requests in flight get this long to finish
        # waitress takes 256 KiB of request line and headers in all; gunicorn bounds each line:
        "limit_request_line": 8190,    # its largest (414 above): every valid query fits, the app refuses > 16 KiB
        "limit_request_fields": 100,   # headers (431 above)
        "limit_request_field_size": 32 * 1024,   # bytes of one header (431 above): large cookies, Kerberos tokens
        "forwarded_allow_ips": "",     # X-Forwarded-*: only the app's TRUSTED_PROXIES decides, as with waitress
        "secure_scheme_headers": {},
        "control_socket_disable": True,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "policy-search",
        "pre_request": pre_request,
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return build_app()

    gunicorn.http.wsgi.SERVER = "policy-search"   # the Server header, as waitress's ident
    return Server(prog="policy-search serve")


def warm(app) -> None:
    """Open and warm the index before the first request, then keep the garbage collector's full
    passes off what that loaded (see middleware.QuietGc)."""
    searcher = app.extensions["policy_search"]
    searcher.warm()
    store = getattr(searcher, "store", None)
    if store is not None and hasattr(store, "current"):
        app.wsgi_app = QuietGc(app.wsgi_app, store)
