"""Shared helpers for readers: decoding files, cleaning cells, metadata patterns."""
from __future__ import annotations

import html
import re
from pathlib import Path

from ..doc_numbers import DOC_NUMBER_RE  # noqa: F401  (the readers' metadata pattern, imported from here)
from ..model import MAX_LINE_CHARS, CorpusError

DATE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.S)  # tags, not "<500万元"
_BREAK_RE = re.compile(r"</p\s*>|<br\s*/?>|</div\s*>", re.I)


def read_text(path: Path) -> str:
    """The file as text: UTF-8 (with or without BOM) or GB18030, newlines normalised to \\n."""
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            error = exc
    else:  # pragma: no cover - gb18030 decodes almost anything
        line = raw[: error.start].count(b"\n") + 1
        raise CorpusError(path, line, f"not UTF-8 or GB18030 text ({error.reason})")
    if encoding == "gb18030" and "\ufffd" in text:
        raise CorpusError(path, None, "unreadable encoding")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_line_lengths(path: Path, lines, limit: int = MAX_LINE_CHARS) -> None:
    """CorpusError at the first line (or block) longer than `limit` characters: such a line costs
    gigabytes to index and seconds to every query it matches, and is no real list row or article."""
    for line_no, line in enumerate(lines, 1):
        if len(line) > limit:
            raise CorpusError(path, line_no, f"line of {len(line)} characters, at most {limit}: "
                                             f"split it into paragraphs or rows")


def iso_date(text: str) -> str | None:
    """'2018年3月5日' → '2018-03-05'."""
    m = DATE_RE.search(text)
    return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" if m else None


def html_paragraphs(cell: str) -> list[str]:
    """Paragraphs of a cell that may hold <p>…</p> markup and HTML entities; no text is dropped."""
    parts = _BREAK_RE.split(cell)
    out = []
    for part in parts:
        text = html.unescape(_TAG_RE.sub("", part)).replace("\u00a0", " ").strip()
        if text:
            out.append(text)
    return out


def clean(cell: str) -> str:
    return html.unescape(_TAG_RE.sub("", cell)).replace("\u00a0", " ").strip()


def split_departments(cell: str) -> list[str]:
    return [d for d in (p.strip() for p in re.split(r"[、，,；;/\s]+", clean(cell))) if d]
