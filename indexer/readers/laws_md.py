"""Reader for the laws corpus Markdown files (../shared/corpora/laws from the project root, see its SOURCE.md).

    # 中华人民共和国中小企业促进法            title (a second `# ` line is a part name: 民法典 `# 合同编`)
    2002年6月29日 第九届…会议通过             events, one a line (a line not starting with a date
    2017年9月1日 第十二届…会议修订             continues the event above it)
    <!-- INFO END -->
    ## 第一章 总则                            body: headings and 第X条 articles → `structure`

meta: events, date and version_date (the file name's `(YYYY-MM-DD)`, else the latest event date),
work_title (the title, the same for every version of one work; the part name is part of it),
part, issuer (the body the first event names), doc_number, header_notes (other lines above the
marker), category (the top folder: 行政法规, 司法解释, …; DLC/<省>地方法规/… → 地方性法规 with
province), department (部门规章/<部门>/ folder). Category comes from `relpath` (the path relative
to the corpus root) when given, else from the folder names in `path`.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..model import CorpusError, Document
from .structure import build_measures, dates_in, issuer_of
from .text import DOC_NUMBER_RE, read_text

MARKER = "<!-- INFO END -->"
CATEGORIES = {"宪法", "宪法相关法", "民法典", "民法商法", "行政法", "经济法", "社会法", "刑法",
              "诉讼与非诉讼程序法", "行政法规", "部门规章", "司法解释", "其他"}
FILE_DATE_RE = re.compile(r"\((\d{4})-(\d{2})-(\d{2})\)$")
EVENT_START_RE = re.compile(r"^[(（]?\s*\d{4}\s*年\s*\d{1,2}\s*月")
MARKUP_LINE_RE = re.compile(r"^(<!--.*-->|\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*)$")  # comments, table rules


def looks_like(text: str) -> bool:
    return MARKER in text


def place(path, relpath=None) -> dict:
    """category / province / department from the folders a file sits in."""
    parts = Path(relpath).parts[:-1] if relpath else Path(path).parts[:-1]
    meta: dict = {}
    if "DLC" in parts:
        i = parts.index("DLC")
        meta["category"] = "地方性法规"
        if i + 1 < len(parts):
            meta["province"] = parts[i + 1].removesuffix("地方法规")
        return meta
    if relpath:
        known = list(parts[:1])
    else:
        known = [p for p in parts if p in CATEGORIES][-1:]
    if known:
        meta["category"] = known[0]
        i = parts.index(known[0])
        if known[0] == "部门规章" and i + 1 < len(parts):
            meta["department"] = parts[i + 1]
    return meta


def read(path: Path, doc_id: str, text: str | None = None, relpath=None) -> Document:
    text = read_text(path) if text is None else text
    lines = text.split("\n")
    marker = next((i for i, line in enumerate(lines) if line.strip() == MARKER), None)
    if marker is None:
        raise CorpusError(path, None, f"no {MARKER} marker: not a laws-corpus Markdown file")
    titles, events, notes, meta = [], [], [], {}
    for line_no, line in enumerate(lines[:marker], 1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("# "):
            if events or notes:
                raise CorpusError(path, line_no, "title line after the event lines")
            titles.append(s[2:].strip())
        elif not titles:
            raise CorpusError(path, line_no, f"expected a '# title' line first, found {s[:30]!r}")
        elif DOC_NUMBER_RE.fullmatch(s):
            meta["doc_number"] = s
        elif EVENT_START_RE.match(s):
            events.append(s)
        elif events:  # a wrapped event line: '2014年9月26' / '日山东省…批准'
            events[-1] += s
        else:
            notes.append(s)
    if not titles:
        raise CorpusError(path, marker + 1, f"no '# title' line before {MARKER}")
    title = " ".join(titles)
    body = [(n, "" if MARKUP_LINE_RE.match(line.strip()) else line)
            for n, line in enumerate(lines[marker + 1:], marker + 2)]
    if not any(line.strip().strip("\u200b") for _, line in body):
        raise CorpusError(path, marker + 1, f"empty: no text after {MARKER}")
    measures, facts = build_measures(path, body, title)

    meta.update(place(path, relpath))
    meta["work_title"] = title
    if len(titles) > 1:
        meta["part"] = " ".join(titles[1:])
    if events:
        meta["events"] = events
    if notes:
        meta["header_notes"] = notes
    m = FILE_DATE_RE.search(Path(path).stem)
    event_dates = [d for e in events for d in dates_in(e)]
    date = f"{m[1]}-{m[2]}-{m[3]}" if m else max(event_dates, default=None)
    if date:
        meta["date"] = meta["version_date"] = date
    issuer = next((i for i in map(issuer_of, events) if i), None)
    if issuer:
        meta["issuer"] = issuer
    meta.update(facts)
    return Document(doc_id=doc_id, title=title, measures=measures, path=str(path),
                    format="laws-md", meta=meta)
