"""Reader for plain-text regulations structured by 第X章 / 第X条.

    中华人民共和国促进科技成果转化法                      title: the first non-blank line
    （1996年5月15日…通过　2015年8月29日…修正）            front matter → meta (events, date, issuer,
    国办发〔2018〕12号                                    doc_number); see structure.split_front_matter
    第一章　总　则                                        body → structure.build_measures
    第一条　为了促进科技成果转化为现实生产力，…
"""
from __future__ import annotations

from pathlib import Path

from ..model import CorpusError, Document
from ..numerals import ARTICLE_HEADING_RE
from .structure import build_measures, split_front_matter, tidy_line
from .text import read_text


def looks_like(text: str) -> bool:
    """True when some line starts with a 第X条 label."""
    return any(ARTICLE_HEADING_RE.match(tidy_line(line)) for line in text.split("\n"))


def read(path: Path, doc_id: str, text: str | None = None) -> Document:
    text = read_text(path) if text is None else text
    lines = list(enumerate(text.split("\n"), 1))
    first = next((i for i, (_, line) in enumerate(lines) if tidy_line(line)), None)
    if first is None:
        raise CorpusError(path, None, "empty file")
    title_line, title = lines[first][0], tidy_line(lines[first][1])
    if ARTICLE_HEADING_RE.match(title):
        raise CorpusError(path, title_line, "first line is an article, expected the regulation's title")
    meta, body = split_front_matter(lines[first + 1:])
    measures, facts = build_measures(path, body, title)
    meta.update(facts)
    return Document(doc_id=doc_id, title=title, measures=measures, path=str(path),
                    format="regulation-txt", meta=meta)
