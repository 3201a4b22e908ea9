"""Blueprints of the web app; `searcher()` is the only way a view reaches the index."""
from __future__ import annotations

from flask import current_app


def searcher():
    """The app's shared Searcher (created once in `create_app`)."""
    from .. import EXTENSION_KEY

    return current_app.extensions[EXTENSION_KEY]
