"""policy-search web app: server-rendered pages, a JSON API and an embeddable widget.

Flask and the searcher are imported inside `create_app` so that command-line tools importing
this package (the indexer, `policy-search query`) do not pay for the web stack.
"""
from __future__ import annotations

EXTENSION_KEY = "policy_search"


def create_app(config=None):
    """Build the WSGI app. `config` overrides settings (see `search_app.config`).

    The one `Searcher` lives in ``app.extensions["policy_search"]`` and is shared by every
    request and thread; it reopens a rebuilt index by itself. A ready-made searcher-like object
    can be passed as ``config["SEARCHER"]`` (used by tests for failure paths).
    """
    from flask import Flask
    from indexer.engine import install

    install()          # the engine's patches (a WSGI server imports create_app, not our CLI)
    from .config import load_config
    from .web import api, errors, pages, ratelimit, security, widget
    from .web.render import register_filters

    settings = load_config(config)
    searcher = settings.pop("SEARCHER", None)
    if searcher is None:
        from .searcher import Searcher

        searcher = Searcher(settings["INDEX_DIR"])

    app = Flask(__name__)
    app.config.update(settings)
    app.json.ensure_ascii = False   # Chinese stays readable in API output
    app.json.sort_keys = False      # keep the searcher's field order
    app.extensions[EXTENSION_KEY] = searcher

    register_filters(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(widget.bp)
    errors.register(app)
    security.register(app)
    ratelimit.register(app)
    return app
