"""Reader for Word documents (.docx, via python-docx).

The document is read as blocks in order: each paragraph is one block, each table row is one block
(its cells joined by a space, a merged cell once); a soft line break inside a paragraph also ends
a line. Block numbers stand in for line numbers in
`Measure.line` and in errors ("file.docx:12" = the 12th block).

A document holding a 序号/改革举措/主要内容/责任部门 table reads like the seed list: the
paragraphs above the table give title and meta, each row a measure (list_format does the checks);
paragraphs after the table go to meta["notes"]. Any other document is a regulation or notice: the
first non-blank block is the title, then structure.split_front_matter and structure.build_measures.
"""
from __future__ import annotations

import html
import zipfile
import zlib
from pathlib import Path

from docx import Document as open_docx
from lxml.etree import LxmlError
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table

from ..model import CorpusError, Document
from . import list_format
from .structure import build_measures, split_front_matter, tidy_line
from .text import check_line_lengths


def _row_cells(row) -> list:
    """The row's cells, a cell merged across columns only once."""
    cells = []
    for cell in row.cells:
        if not any(cell._tc is kept._tc for kept in cells):
            cells.append(cell)
    return cells


def blocks(doc) -> list[tuple[str, object, int]]:
    """[("p", text, -1) | ("row", [cell, ...], table_no), ...] in document order."""
    out, tables = [], 0
    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            out.extend(("row", _row_cells(row), tables) for row in item.rows)
            tables += 1
        else:
            out.append(("p", item.text, -1))
    return out


def _is_list_header(block) -> bool:
    kind, value, _ = block
    return kind == "row" and tuple(c.text.strip() for c in value) == list_format.HEADER


def _plain(kind, value) -> str:
    if kind == "row":
        return " ".join(c.text.replace("\n", " ") for c in value)
    return value


def _one_line(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ")


def _cell_markup(cell) -> str:
    """A 主要内容 cell as the list format writes it: one <p> per non-blank paragraph, text escaped."""
    paras = [part.replace("\t", " ") for p in cell.paragraphs for part in p.text.split("\n") if part.strip()]
    return " ".join(f"<p>{html.escape(p)}</p>" for p in paras)


def _read_list(path, doc_id, items) -> Document:
    """Blocks → the list format's text, one line per block, so line numbers stay block numbers.
    Rows of the 序号 tables are list rows; blocks above the first one give title and meta; other
    blocks below it (signatures, notes, other tables) go to meta["notes"]."""
    list_tables = {t for kind, value, t in items if _is_list_header((kind, value, t))}
    first = next(i for i, b in enumerate(items) if b[0] == "row" and b[2] in list_tables)
    lines, notes = [], []
    for i, (kind, value, table) in enumerate(items):
        if kind == "row" and table in list_tables:
            header = _is_list_header((kind, value, table))
            lines.append("\t".join(_cell_markup(c) if j == 2 and not header else _one_line(c.text)
                                   for j, c in enumerate(value)))
        elif i < first:
            lines.append(_plain(kind, value).replace("\t", " ").replace("\n", " "))
        else:
            lines.append("")
            if _plain(kind, value).strip():
                notes.append(_plain(kind, value).strip())
    doc = list_format.read(path, doc_id, "\n".join(lines))
    doc.format = "docx"
    doc.meta["layout"] = "list"
    if notes:
        doc.meta["notes"] = notes
    return doc


def read(path: Path, doc_id: str, text: str | None = None) -> Document:
    try:
        items = blocks(open_docx(str(path)))
    # a damaged part inside a sound zip (truncated word/document.xml) fails in lxml: LxmlError
    except (PackageNotFoundError, zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, LxmlError,
            EOFError, zlib.error) as exc:
        raise CorpusError(path, None, f"not a readable .docx file ({type(exc).__name__}: {exc})") from exc
    check_line_lengths(path, (_plain(kind, value) for kind, value, _ in items))   # block numbers as lines
    if any(_is_list_header(b) for b in items):
        return _read_list(path, doc_id, items)
    lines = [(n, part) for n, (kind, value, _) in enumerate(items, 1)
             for part in _plain(kind, value).split("\n")]  # a soft break (<w:br/>) ends a line too
    first = next((i for i, (_, t) in enumerate(lines) if tidy_line(t)), None)
    if first is None:
        raise CorpusError(path, None, "no text in the document")
    title = tidy_line(lines[first][1])
    meta, body = split_front_matter(lines[first + 1:])
    measures, facts = build_measures(path, body, title)
    meta.update(facts)
    return Document(doc_id=doc_id, title=title, measures=measures, path=str(path), format="docx", meta=meta)
