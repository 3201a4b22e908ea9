"""Reader for policy pages saved from government sites (.html / .htm).

Only the body text counts: script/style/nav/header/footer/aside/forms go, and when an element
whose class or id names the content area (TRS_Editor, zoom, content, article, …) holds most of
the page's text, only that element is read. Block elements (p, div, h1–h6, li, tr, br…) end lines;
each line keeps the source line of the element it came from. The title is `<meta name="ArticleTitle">`,
else the first <h1>, else <title> (without a "_site name" tail); `<meta name="PubDate">` and
`ContentSource` give date and issuer; doc-number/date/issuer lines above the body are read by
structure.split_front_matter; the body by structure.build_measures.
"""
from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from ..model import CorpusError, Document
from .structure import build_measures, classify, dates_in, split_front_matter
from .text import DOC_NUMBER_RE, read_text

DROP = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "iframe", "button",
        "select", "input", "textarea", "template", "svg", "head", "title", "meta", "link"}
BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "table", "section",
         "article", "main", "blockquote", "dd", "dt", "dl", "center", "body", "tbody", "thead", "hr"}
CELL = {"td", "th"}
CONTENT_RE = re.compile(r"TRS_Editor|zoom|content|article|detail|main_?text|pages_content|con_text", re.I)
HTML_RE = re.compile(r"<\s*(!doctype\s+html|html|head|body|p|div|table|h1)\b", re.I)
_SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)


def looks_like(text: str) -> bool:
    return bool(HTML_RE.search(text[:20000]))


def _attr_text(el) -> str:
    return " ".join(el.get("class") or []) + " " + (el.get("id") or "")


def _text_len(el) -> int:
    return len(re.sub(r"\s", "", el.get_text()))


def content_area(body):
    """The element holding the article: the smallest content-named element with ≥80% of the
    largest one's text (a wrapper's inner TRS_Editor wins, a small 'related-content' box loses)."""
    candidates = [el for el in body.find_all(True) if CONTENT_RE.search(_attr_text(el))]
    sized = [(el, _text_len(el)) for el in candidates]
    sized = [(el, n) for el, n in sized if n]
    if not sized:
        return body
    top = max(n for _, n in sized)
    return min((pair for pair in sized if pair[1] >= 0.8 * top), key=lambda pair: pair[1])[0]


def page_lines(root) -> list[tuple[int, str]]:
    """Text lines of an element: block elements and <br> end lines, whitespace runs become one space."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = [None]

    def flush():
        text = re.sub(r"\s+", " ", "".join(buf)).strip()
        if text:
            out.append((start[0] or 1, text))
        buf.clear()
        start[0] = None

    def walk(node, line):
        for child in node.children:
            if isinstance(child, _SKIP_STRINGS):
                continue
            if isinstance(child, NavigableString):
                if start[0] is None and child.strip():
                    start[0] = line
                buf.append(str(child))
                continue
            if child.name in DROP:
                continue
            where = child.sourceline or line
            if child.name == "br":
                flush()
            elif child.name == "pre":
                flush()
                for i, text in enumerate(child.get_text().split("\n")):
                    if text.strip():
                        out.append((where + i, text.strip()))
            elif child.name in BLOCK:
                flush()
                walk(child, where)
                flush()
            elif child.name in CELL:
                walk(child, where)
                buf.append(" ")
            else:
                walk(child, where)

    walk(root, getattr(root, "sourceline", None) or 1)
    flush()
    return out


def page_meta(lines: list[tuple[int, str]]) -> dict:
    """Doc number and publication date from short lines anywhere on the page (the info bar above
    the content area: "晋政办发〔2019〕7号", "发布日期：2019-03-05")."""
    meta: dict = {}
    for _, text in lines:
        if len(text) > 60:
            continue
        m = DOC_NUMBER_RE.search(text)
        if m and "doc_number" not in meta:
            meta["doc_number"] = m.group(0)
        if "date" not in meta and re.search(r"发布|印发|成文|日期|时间", text) and dates_in(text):
            meta["date"] = dates_in(text)[0]
    return meta


def _clean_title(title: str) -> str:
    head = re.split(r"\s*(?:_|\s-\s|\|)\s*", title.strip())[0].strip()
    return head or title.strip()


def read(path: Path, doc_id: str, text: str | None = None) -> Document:
    text = read_text(path) if text is None else text
    if not looks_like(text):
        raise CorpusError(path, None, "not an HTML page: no <html>, <body>, <p> or <div> markup")
    soup = BeautifulSoup(text, "html.parser")
    meta_tags = {m.get("name", "").lower(): (m.get("content") or "").strip()
                 for m in soup.find_all("meta") if m.get("name")}
    h1 = soup.find("h1")
    h1_text = re.sub(r"\s+", " ", h1.get_text()).strip() if h1 else ""
    page_title = soup.title.get_text().strip() if soup.title else ""
    title = meta_tags.get("articletitle") or h1_text or _clean_title(page_title)

    body = soup.body or soup
    for el in body.find_all(list(DROP)):
        el.decompose()
    page = page_meta(page_lines(body))
    lines = page_lines(content_area(body))
    if not lines:
        raise CorpusError(path, None, "no text in the page body")
    if not title:  # the first line, unless it is already body (an article or heading)
        title = Path(path).stem if classify(lines[0][1])[0] != "text" else lines[0][1]
    if lines[0][1] in (title, h1_text):  # the heading repeats the title
        lines = lines[1:]
    meta: dict = {}
    if dates_in(meta_tags.get("pubdate", "")):
        meta["date"] = dates_in(meta_tags["pubdate"])[0]
    if meta_tags.get("contentsource"):
        meta["issuer"] = meta_tags["contentsource"]
    if meta_tags.get("keywords"):
        meta["keywords"] = meta_tags["keywords"]
    front, body_lines = split_front_matter(lines)
    for key, value in (*front.items(), *page.items()):
        meta.setdefault(key, value)
    if not body_lines:
        raise CorpusError(path, lines[-1][0] if lines else None, "no body text after the title and date lines")
    measures, facts = build_measures(path, body_lines, title)
    meta.update(facts)
    return Document(doc_id=doc_id, title=title, measures=measures, path=str(path), format="html", meta=meta)
