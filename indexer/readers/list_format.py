"""Reader for tab-separated measure lists (the seed's format).

    title line
    序号<TAB>改革举措<TAB>主要内容<TAB>责任部门     (may repeat between blocks)
    1<TAB>title<TAB><p>para</p> <p>para</p><TAB>部门甲、部门乙
"""
from __future__ import annotations

import re
from pathlib import Path

from ..model import CorpusError, Document, Measure
from .text import DOC_NUMBER_RE, clean, html_paragraphs, iso_date, read_text, split_departments

HEADER = ("序号", "改革举措", "主要内容", "责任部门")


def is_header(cells: list[str]) -> bool:
    return len(cells) >= 2 and cells[0].strip() == HEADER[0]


def looks_like(text: str) -> bool:
    """True when the text has the list header row."""
    return any(is_header(line.split("\t")) and line.count("\t") >= 3 for line in text.splitlines()[:200])


def read(path: Path, doc_id: str, text: str | None = None) -> Document:
    text = read_text(path) if text is None else text
    title, meta, measures, seen, preamble = None, {}, [], {}, []
    header_seen = False
    problems: list[CorpusError] = []     # every bad row is named, not only the first

    def problem(line_no, reason):
        problems.append(CorpusError(path, line_no, reason))

    for line_no, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        cells = line.split("\t")
        if is_header(cells):
            if [c.strip() for c in cells] != list(HEADER):
                problem(line_no, f"header row should be {' / '.join(HEADER)}")
            header_seen = True
            continue
        if not header_seen:
            stripped = clean(line)
            if title is None:
                title = stripped
            elif DOC_NUMBER_RE.fullmatch(stripped) or DOC_NUMBER_RE.match(stripped):
                meta["doc_number"] = DOC_NUMBER_RE.match(stripped).group(0)
            elif iso_date(stripped):
                meta["date"] = iso_date(stripped)
            else:
                preamble.append((line_no, stripped))   # 说明 or subtitle lines: kept as text
            continue
        if len(cells) != 4:
            problem(line_no, f"expected 4 tab-separated columns (序号, 改革举措, 主要内容, 责任部门), found {len(cells)}")
            continue
        no_cell = clean(cells[0])
        if not re.fullmatch(r"\d+", no_cell):
            problem(line_no, f"序号 should be a number, found {no_cell!r}")
            continue
        no = int(no_cell)
        if no in seen:
            problem(line_no, f"duplicate 序号 {no} (first on line {seen[no]})")
            continue
        seen[no] = line_no
        paragraphs = html_paragraphs(cells[2])
        if not paragraphs:
            problem(line_no, f"measure {no} has empty 主要内容")
            continue
        measures.append(Measure(no=no, title=clean(cells[1]), paragraphs=paragraphs,
                                departments=split_departments(cells[3]), line=line_no))
    if not header_seen:
        problem(None, "no header row 序号/改革举措/主要内容/责任部门 found")
    elif not measures and not problems:
        problem(None, "no measures after the header row")
    if preamble and 0 in seen:  # text between the title and the list is its own measure 0
        problem(seen[0], "序号 0 is reserved for the text before the list")
    if problems:
        raise CorpusError.of_all(problems)
    if preamble:  # never dropped
        measures.insert(0, Measure(no=0, title="说明", paragraphs=[t for _, t in preamble], line=preamble[0][0]))
    return Document(doc_id=doc_id, title=title or Path(path).stem, measures=measures,
                    path=str(path), format="list", meta=meta)
