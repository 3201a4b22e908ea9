"""Template helpers. `highlight` is the only HTML from the index that reaches a page unescaped,
and only after checking it holds nothing but text and balanced, attribute-free <mark> tags."""
from __future__ import annotations

import logging
import math
import re

from flask import url_for
from markupsafe import Markup, escape

log = logging.getLogger(__name__)
MARK_TAG = re.compile(r"<(/?)mark>")


def is_mark_only(html: str) -> bool:
    """True when `html` is escaped text with balanced, non-nested, bare <mark> tags."""
    depth = 0
    for match in MARK_TAG.finditer(html):
        depth += -1 if match.group(1) else 1
        if depth not in (0, 1):
            return False
    return depth == 0 and "<" not in MARK_TAG.sub("", html)


def highlight(html, text: str = "") -> Markup:
    if isinstance(html, str) and is_mark_only(html):
        return Markup(html)
    if html:
        log.warning("highlight with markup other than <mark> was escaped: %.80r", html)
    return escape(text or "")


def clause_url(doc_id: str, clause_id: str, **params) -> str:
    """Stable link to a clause in its document: server mark (?hl=) plus #anchor for :target."""
    return url_for("pages.document", doc_id=doc_id, hl=clause_id, _anchor=clause_id, **params)


def search_link(state: dict, **changes) -> str:
    """/search with the page's parameters (state), some changed or (None) dropped."""
    args = {k: v for k, v in {**state, **changes}.items() if v not in (None, "")}
    return url_for("pages.search", **args)


def count_unit(item) -> str:
    """What a document's parts are called: 条 for articles of a law, 项措施 for a list's measures."""
    return "条" if item.get("article") else "项措施"


def measure_label(item) -> str:
    """"第二十条" for an article, else "第 3 项" for a list measure."""
    article = item.get("article")
    number = item.get("measure_no", item.get("no"))
    return article or f"第 {number} 项"


def page_count(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page)) if per_page else 1


def page_window(current: int, last: int, width: int = 2) -> list[int | None]:
    """Page numbers to show around `current`, None for a gap: [1, None, 4, 5, 6, None, 20]."""
    shown = {1, last, *range(max(1, current - width), min(last, current + width) + 1)}
    out: list[int | None] = []
    for number in sorted(shown):
        if out and number - (out[-1] or 0) > 1:
            out.append(None)
        out.append(number)
    return out


def register_filters(app) -> None:
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.globals.update(clause_url=clause_url, measure_label=measure_label, search_link=search_link,
                                 count_unit=count_unit)
