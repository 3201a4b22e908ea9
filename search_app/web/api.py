"""JSON API: the searcher's own result objects, so the API and `policy-search query --json` agree.

Errors (bad parameters, bad query, no index, anything unexpected) become JSON with an "error"
key via `errors.register`; views here only raise.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from . import params, searcher

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search():
    p = params.search_params(request.args, current_app.config)
    return jsonify(searcher().search(p.q, page=p.page, per_page=p.per_page, dept=p.dept, doc=p.doc,
                                     filters=p.filters, expand=p.expand, **p.arrangement))


@bp.get("/api/suggest")
def suggest():
    q = params.query(request.args, current_app.config)
    limit = current_app.config["SUGGEST_LIMIT"]
    return jsonify({"query": q, "suggestions": list(searcher().suggest(q, limit=limit))[:limit]})


@bp.get("/healthz")
def healthz():
    health = searcher().health(with_pending=True)
    return jsonify(health), 200 if health.get("ok") else 503
