"""Server-rendered pages; they work without JavaScript (static/app.js only adds suggestions)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from .. import arrange, reading
from ..searcher import IndexUnavailable, QueryError
from . import params, searcher
from .render import page_count, page_window

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return render_template("index.html", health=searcher().health())


# the page's own parameters, carried by every link that changes one of them (page is not: a new
# filter or order starts at page 1)
STATE_PARAMS = ("q", "dept", "doc", "category", "province", "expand", "per_page", "sort", "group", "from", "to",
                "issuer", "number", "version", "scope")
ADVANCED_PARAMS = ("issuer", "number", "category", "province", "doc", "version", "scope", "from", "to")


@bp.get("/search")
def search():
    if "q" not in request.args:
        return redirect(url_for("pages.index"))
    q = request.args.get("q", "")
    context = {name: request.args.get(name) or None for name in ("dept", "doc", "category", "province", "expand")}
    context["q"] = q
    context["state"] = {k: request.args.get(k) for k in STATE_PARAMS if request.args.get(k)}
    context["advanced_open"] = any(request.args.get(k) for k in ADVANCED_PARAMS)
    try:
        p = params.search_params(request.args, current_app.config)
        result = searcher().search(p.q, page=p.page, per_page=p.per_page, dept=p.dept, doc=p.doc,
                                   filters=p.filters, expand=p.expand, **p.arrangement)
    except (params.ParamError, QueryError) as exc:
        return render_template("search.html", error=str(exc), **context), 400
    except IndexUnavailable as exc:
        return render_template("search.html", unavailable=str(exc), **context), 503
    suggestions = _suggestions(p.q) if not result["hits"] and not result.get("did_you_mean") else []
    last = page_count(result.get("groups_total", result["total"]), result["per_page"])
    return render_template(
        "search.html", result=result, suggestions=suggestions, last_page=last, params=p,
        pages=page_window(result["page"], last), per_page_param=request.args.get("per_page"),
        doc_titles=searcher().doc_titles(result["facets"].get("documents", {})),
        **context,
    )


def _suggestions(q: str) -> list[str]:
    """Alternatives for a query without hits; a failure here must not cost the page."""
    try:
        return [s for s in searcher().suggest(q, limit=5) if s != q]
    except Exception:
        current_app.logger.exception("suggestions for a no-hit page failed")
        return []


@bp.get("/doc/<path:doc_id>")
def document(doc_id: str):
    try:
        doc = searcher().document(doc_id)
    except IndexUnavailable as exc:
        return render_template("error.html", status=503, message=str(exc)), 503
    if doc is None:
        abort(404, description=f"没有找到文件：{doc_id}")
    hl = request.args.get("hl")
    q = (request.args.get("q") or "").strip()[:current_app.config["MAX_QUERY_LENGTH"]]
    known = {c["clause_id"] for m in doc["measures"] for para in m["paragraphs"] for c in para}
    return render_template("doc.html", doc=doc, hl=hl if hl in known else None, q=q or None,
                           **_reading(doc, q))


def _reading(doc: dict, q: str) -> dict:
    """The document view's outline, clause HTML (query marks, reference links) and citations."""
    manifest, analyzer, repealed = searcher().reading()
    toc, headings = reading.outline(doc["measures"])
    own = {m["article"] for m in doc["measures"] if m.get("article")}
    titles = reading.title_index(manifest)
    terms = reading.query_terms(analyzer, q) if q else set()
    marks = 0

    def doc_url(target):
        return url_for("pages.document", doc_id=target)
    for m in doc["measures"]:
        m["anchor"] = reading.anchor(m)
        m["citation"] = reading.citation(doc["title"], m)
        for para in m["paragraphs"]:
            for c in para:
                c["html"] = reading.render_clause(c["text"], analyzer, terms, doc["doc_id"], own, titles, doc_url)
                marks += c["html"].count('<mark class="q">')
    articles = any(m.get("article") for m in doc["measures"])
    return {"toc": toc, "headings": headings, "validity": arrange.validity(manifest, doc["doc_id"], repealed),
            "doc_date": arrange.doc_date(doc["meta"]), "unit": "条" if articles else "项措施", "marks": marks,
            "versions": [{"doc_id": v, "date": arrange.doc_date(manifest["documents"][v].get("meta", {}))}
                         for v in doc["meta"].get("versions", []) if v in manifest["documents"]]}


@bp.get("/status")
def status():
    """服务状态 as a page (the JSON is /healthz): the live index, its counts and times, pending changes."""
    health = searcher().health(with_pending=True)
    return render_template("status.html", health=health), 200 if health.get("ok") else 503
