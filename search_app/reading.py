"""Reading a document: its outline by 编/章/节, the query's words marked, cross-references as
links, and how an article is cited. Pure functions of the document the searcher returns (and
the collection's manifest), so the page view stays small.

Every piece of corpus text that reaches HTML here passes through `escape` (or `highlight`, which
escapes); the only tags added are our own <mark class="q"> and <a class="ref" href="…">.
"""
from __future__ import annotations

import re

from markupsafe import Markup, escape

from indexer.numerals import ARTICLE, ARTICLE_RE, NUMERAL, article_label

from .highlight import matched_spans

LEVEL_RE = re.compile(rf"第\s*(?:{NUMERAL})\s*(?P<level>分编|编|章|节)")
LEVELS = {"编": 1, "分编": 2, "章": 3, "节": 4}
# 《title》第X条, 本法第X条 (本条例, 本规定 …), 《title》 alone; the article patterns are indexer/numerals.py's
REFERENCE_RE = re.compile(rf"《(?P<title>[^《》]{{2,60}})》(?P<other>{ARTICLE})?|本(?:法|条例|规定|办法|细则|决定|解释)(?P<own>{ARTICLE})")
MAX_TITLE, MIN_TITLE = 30, 3   # a title written before 第X条 without 《》: its length


def outline(measures: list[dict]) -> tuple[list[dict], dict[int, list[dict]]]:
    """(table of contents, headings): the tree of 编/章/节 nodes {"id", "text", "level", "first",
    "last", "children"} (first/last: the article labels they span), and per measure number the
    headings that open before it. A document without headings has an empty outline."""
    roots: list[dict] = []
    headings: dict[int, list[dict]] = {}
    path: list[dict] = []
    previous: list[str] = []
    count = 0
    for m in measures:
        parts = split_chapter(m.get("chapter"))
        same = 0
        while same < min(len(parts), len(previous)) and parts[same] == previous[same]:
            same += 1
        del path[same:]
        for text in parts[same:]:
            count += 1
            node = {"id": f"h-{count}", "text": text, "level": level_of(text), "first": label(m), "last": label(m),
                    "children": []}
            (path[-1]["children"] if path else roots).append(node)
            path.append(node)
            headings.setdefault(m["no"], []).append(node)
        for node in path:
            node["last"] = label(m)
        previous = parts
    return roots, headings


def split_chapter(chapter: str | None) -> list[str]:
    """"第二编 物权 第一章 通则" → ["第二编 物权", "第一章 通则"]; any other heading stays whole."""
    if not chapter:
        return []
    starts = [m.start() for m in LEVEL_RE.finditer(chapter)]
    if not starts:
        return [chapter.strip()]
    if starts[0] != 0:
        starts.insert(0, 0)
    return [chapter[a:b].strip() for a, b in zip(starts, starts[1:] + [len(chapter)]) if chapter[a:b].strip()]


def level_of(text: str) -> int:
    m = LEVEL_RE.match(text)
    return LEVELS[m.group("level")] if m else 3


def label(m: dict) -> str:
    return m.get("article") or f"第 {m['no']} 项"


def anchor(m: dict) -> str:
    """The fragment that names a measure: its article label (#第四十七条) for a law, else m-N."""
    return m["article"] if m.get("article") else f"m-{m['no']}"


def citation(title: str, m: dict) -> str:
    """How an article is cited: 《中华人民共和国劳动合同法》第四十七条 (a list's measure: 第 3 项 and its title)."""
    if m.get("article"):
        return f"《{title}》{m['article']}"
    return f"《{title}》第 {m['no']} 项" + (f"“{m['title']}”" if m.get("title") else "")


def title_index(manifest: dict) -> dict[str, str]:
    """Document title (with and without 中华人民共和国) → the id of its current version."""
    found: dict[str, str] = {}
    for doc_id, summary in sorted(manifest["documents"].items()):
        meta = summary.get("meta", {})
        title = summary.get("title", "").strip()
        if not title or meta.get("historical"):
            continue
        for key in {title, title.removeprefix("中华人民共和国")}:
            found.setdefault(key, doc_id)
    return found


def render_clause(text: str, analyzer, terms, doc_id: str, own_articles: set[str], titles: dict[str, str],
                  doc_url) -> Markup:
    """A clause's text as HTML: the query's words in <mark class="q">, references as links
    (own articles to their anchor, another document's when it is in the collection)."""
    def other(target, article):
        if target == doc_id:
            return "#" + article if article in own_articles else None
        return doc_url(target) + ("#" + article if article else "")

    spans = []   # (start, end, href)
    for m in REFERENCE_RE.finditer(text):
        href = None
        own = m.group("own") and article_label(m.group("own"))
        if own and own in own_articles:
            href = "#" + own
        elif m.group("title"):
            name = m.group("title").strip()
            target = titles.get(name) or titles.get(name.removeprefix("中华人民共和国"))
            if target is not None:
                href = other(target, m.group("other") and article_label(m.group("other")))
        if href is not None:
            spans.append((m.start(), m.end(), href))
    taken = [(a, b) for a, b, _ in spans]
    for m in ARTICLE_RE.finditer(text):   # 劳动合同法第三十九条: a title in the collection written without 《》
        if any(a <= m.start() < b for a, b in taken):
            continue
        before = text[max(0, m.start() - MAX_TITLE):m.start()]
        for k in range(len(before), MIN_TITLE - 1, -1):
            target = titles.get(before[-k:])
            if target is not None:
                href = other(target, article_label(m.group(0)))
                if href is not None:
                    spans.append((m.start() - k, m.end(), href))
                break
    pieces, last = [], 0
    for start, end, href in sorted(spans):
        if start < last:
            continue
        pieces.append((text[last:start], None))
        pieces.append((text[start:end], href))
        last = end
    pieces.append((text[last:], None))
    out = []
    for piece, href in pieces:
        if not piece:
            continue
        marked = _marked(piece, analyzer, terms)
        out.append(Markup('<a class="ref" href="{}">{}</a>').format(href, marked) if href else marked)
    return Markup("").join(out)


def _marked(text: str, analyzer, terms) -> Markup:
    if not terms:
        return escape(text)
    out, last = [], 0
    for start, end in _joined(matched_spans(analyzer, text, terms)):
        out.append(escape(text[last:start]))
        out.append(Markup('<mark class="q">{}</mark>').format(text[start:end]))
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _joined(spans):
    joined: list[list[int]] = []
    for start, end in spans:
        if joined and start == joined[-1][1]:
            joined[-1][1] = end
        else:
            joined.append([start, end])
    return joined


def query_terms(analyzer, q: str) -> set[str]:
    """The words of a reader's query to mark in a document (filters such as 部门:… and exclusions left out)."""
    words = [w.strip('"“”') for w in (q or "").split()
             if w and not w.startswith("-") and not re.match(r"^[^\s:：]+[:：]", w) and w.upper() not in ("OR", "NOT")]
    terms: set[str] = set()
    for word in words:   # the words as the query analyses them (not their sub-words: 合同 of 劳动合同 everywhere)
        found = {t.text for t in analyzer(word, mode="query") if len(t.text) > 1 or not word[1:]}
        terms.update(t for t in found if not any(t != other and t in other for other in found))
    return terms
