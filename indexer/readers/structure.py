"""Numbered source lines of a regulation → measures (shared by the laws-md, txt, html and docx readers).

`build_measures(path, lines, title)` takes the body as `[(line_no, text), ...]` and returns the
measures plus facts for `Document.meta`:

* Headings — `第X编` / `第X分编` / `第X章` / `第X节` lines (plain, or inside a markdown `#` heading) and
  any other markdown heading — set the chapter in force; `Measure.chapter` joins them with a space
  ("第一编 总则 第二章 自然人"). A heading that nothing follows (the next heading is of the same or
  higher rank, or the document ends) is kept as an ordinary text line so its words are not lost.
* Article mode (the body has `第X条` lines): each `第X条` / `第X条之N` line starts a measure
  (no = X, title = article = the label, spaces and a trailing ：removed); the rest of that line
  and every later non-blank line are its paragraphs (款). Text before the first article is the
  preamble, measure no=0 titled "序言". A heading with text under it after the last article (附件,
  清单) starts a measure titled by the heading; text under a heading between articles stays with
  the article before, the heading first among those paragraphs.
* Item mode (no articles, but lines `一、` … starting with 一): the same with items, title = the
  label, plus the line's heading when the line is a short heading such as "一、总体要求".
* Section mode (neither, but markdown headings): each heading with text under it is a measure,
  numbered by its item label ("## 一、管辖" → 1) or counting on, titled by the heading.
* Otherwise one measure no=1 titled by the document title holding every paragraph.
Zero-width characters (U+200B …) are not text and are removed.

Numbering keeps `Measure.no` a unique int: `第X条` → X; `第X条之N` → X*10000+N (articles never
reach 10000, so the two ranges cannot meet); when a number is already taken (numbering restarts in
an appendix, or a second regulation in one file) counting continues after the highest number so far
and meta gets "renumbered": True and "renumbered_lines" (the source lines where it happened).
Labels (titles) always stay as written. No text is dropped and no paragraph is blank: every
non-heading character lands in a paragraph, except the article/item label, which is the title.
"""
from __future__ import annotations

import re

from ..model import CorpusError, Measure
from ..numerals import ARTICLE_HEADING_RE, NUMERAL, cn_to_int  # noqa: F401  (cn_to_int: re-exported for the readers' tests)
from .text import DOC_NUMBER_RE

SUB_FACTOR = 10000  # 第X条之N → X*SUB_FACTOR + N

ITEM_RE = re.compile(r"([一二三四五六七八九十百零〇]+)、")
HEADING_RE = re.compile(rf"第\s*({NUMERAL})\s*(编|分编|章|节)(?=$|\s)\s*(.*)")
HEADING_TIGHT_RE = re.compile(rf"第\s*({NUMERAL})\s*(编|分编|章|节)([^\s。，；：,;:]{{1,24}})")
MARKDOWN_RE = re.compile(r"(#{1,6})\s+(.*)")
RANKS = {"编": 1, "分编": 2, "章": 3, "节": 4}
SENTENCE_PUNCT = re.compile(r"[。，；：！？,;:!?]")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def tidy_line(raw: str) -> str:
    """A source line without zero-width characters (not text: some sources mark empty lines with
    U+200B) and without surrounding whitespace."""
    return _INVISIBLE.sub("", raw).strip()


def _tidy_heading(text: str) -> str:
    """'第一章  总  则' → '第一章 总则': one space after the label, none between CJK characters."""
    m = HEADING_RE.fullmatch(text) or HEADING_TIGHT_RE.fullmatch(text)
    if m:
        label = text[: m.start(3)].replace(" ", "").replace("\u3000", "").strip()
        name = _CJK_GAP.sub("", m.group(3).strip())
        return f"{label} {name}" if name else label
    return re.sub(r"\s+", " ", text).strip()


def classify(text: str) -> tuple:
    """One stripped non-blank line → ("heading", rank, text) | ("article", label, x, sub, rest) | ("text", text)."""
    md = MARKDOWN_RE.fullmatch(text)
    if md:
        inner = md.group(2).strip()
        m = HEADING_RE.fullmatch(inner) or HEADING_TIGHT_RE.fullmatch(inner)
        if m:
            return ("heading", RANKS[m.group(2)], _tidy_heading(inner))
        if inner:  # any other markdown heading: rank by level (## like 章, ### like 节)
            level = len(md.group(1))
            return ("heading", {1: 1, 2: 3, 3: 4}.get(level, 5), _tidy_heading(inner))
    m = ARTICLE_HEADING_RE.match(text)
    if m:
        label = text[: m.end()].rstrip(" \t\u3000:：")
        label = re.sub(r"\s+", "", label)
        sub = cn_to_int(m.group(2)) if m.group(2) else None
        return ("article", label, cn_to_int(m.group(1)), sub, text[m.end():].strip())
    m = HEADING_RE.fullmatch(text)
    if m and not SENTENCE_PUNCT.search(m.group(3)) and len(m.group(3)) <= 30:
        return ("heading", RANKS[m.group(2)], _tidy_heading(text))
    m = HEADING_TIGHT_RE.fullmatch(text)
    if m:
        return ("heading", RANKS[m.group(2)], _tidy_heading(text))
    return ("text", text)


class Numberer:
    """Hands out unique measure numbers, continuing the count when a number repeats."""

    def __init__(self):
        self.used: set[int] = set()
        self.offset = 0
        self.top = 0  # highest plain (non-之N) number handed out
        self.renumbered_lines: list[int] = []

    def take(self, x: int, sub: int | None, line: int) -> int:
        base = x + self.offset
        if sub is None and base in self.used:
            self.offset = self.top + 1 - x
            base = self.top + 1
            self.renumbered_lines.append(line)
        no = base if sub is None else base * SUB_FACTOR + sub
        if no in self.used:
            if line not in self.renumbered_lines:
                self.renumbered_lines.append(line)
            while no in self.used:
                no += 1
        self.used.add(no)
        if sub is None:
            self.top = max(self.top, no)
        return no


def tokenize(lines: list[tuple[int, str]]) -> list[tuple[int, tuple]]:
    """Non-blank lines → [(line_no, token)], headings with nothing under them turned into text
    (the next heading is of the same or higher rank, or the document ends): their words must not
    vanish."""
    tokens = [(n, classify(t)) for n, t in ((n, tidy_line(raw)) for n, raw in lines) if t]
    out = []
    for i, (line, tok) in enumerate(tokens):
        if tok[0] == "heading":
            nxt = tokens[i + 1][1] if i + 1 < len(tokens) else None
            if nxt is None or (nxt[0] == "heading" and nxt[1] <= tok[1]):
                tok = ("text", tok[2])
        out.append((line, tok))
    return out


def _item_heading(rest: str) -> bool:
    return len(rest) <= 30 and not SENTENCE_PUNCT.search(rest)


def _item_start(tok: tuple, first: bool) -> re.Match | None:
    m = ITEM_RE.match(tok[1]) if tok[0] == "text" else None
    return m if m and (not first or m.group(1) == "一") else None


class _Builder:
    """Walks the tokens once, keeping the chapter in force and the measure being filled."""

    def __init__(self, title: str):
        self.title = title
        self.measures: list[Measure] = []
        self.numberer = Numberer()
        self.chapter: dict[int, str] = {}
        self.unplaced: list[str] = []  # headings read since the last text was placed
        self.current: Measure | None = None

    def chapter_text(self) -> str | None:
        return " ".join(self.chapter[r] for r in sorted(self.chapter)) or None

    def heading(self, rank: int, text: str) -> None:
        for r in [r for r in self.chapter if r >= rank]:
            del self.chapter[r]
        self.chapter[rank] = text
        self.unplaced.append(text)

    def start(self, no: int, title: str, line: int, article: str | None = None) -> Measure:
        self.current = Measure(no=no, title=title, paragraphs=[], line=line, article=article,
                               chapter=self.chapter_text())
        self.measures.append(self.current)
        self.unplaced = []
        return self.current

    def add(self, text: str) -> None:
        """Text into the open measure; headings it has not seen go in first as paragraphs."""
        if self.unplaced and self.current.chapter != self.chapter_text():
            self.current.paragraphs.extend(self.unplaced)
        self.unplaced = []
        self.current.paragraphs.append(text)

    def section(self, line: int, by_label: bool) -> None:
        """A measure titled by the heading just read: numbered by its item label when `by_label`
        and it has one ("## 一、管辖" → 1), else after the highest number so far."""
        heading = self.chapter[max(self.chapter)]
        m = ITEM_RE.match(heading) if by_label else None
        x = cn_to_int(m.group(1)) if m else self.numberer.top + 1 - self.numberer.offset
        self.start(self.numberer.take(x, None, line), heading, line)


def build_measures(path, lines: list[tuple[int, str]], title: str) -> tuple[list[Measure], dict]:
    """Body lines → (measures, meta facts). Raises CorpusError when the body holds no text."""
    tokens = tokenize(lines)
    if not tokens:
        raise CorpusError(path, lines[0][0] if lines else None, "no body text")
    starts = [i for i, (_, t) in enumerate(tokens) if t[0] == "article"]
    if starts:
        mode = "article"
    else:
        starts = [i for i, (_, t) in enumerate(tokens) if _item_start(t, first=False)]
        first = next((i for i in starts if _item_start(tokens[i][1], first=True)), None)
        starts = [i for i in starts if first is not None and i >= first]
        mode = "item" if starts else "section" if any(t[0] == "heading" for _, t in tokens) else "single"
    last_start = starts[-1] if starts else -1

    b = _Builder(title)
    after_heading = False
    for i, (line_no, tok) in enumerate(tokens):
        if tok[0] == "heading":
            b.heading(tok[1], tok[2])
            after_heading = True
            continue
        if tok[0] == "article":
            _, label, x, sub, rest = tok
            b.start(b.numberer.take(x, sub, line_no), label, line_no, article=label)
            if rest:
                b.current.paragraphs.append(rest)
        elif mode == "item" and i in starts:
            m = ITEM_RE.match(tok[1])
            label, rest = tok[1][: m.end()], tok[1][m.end():].strip()
            heading = bool(rest) and _item_heading(rest)
            b.start(b.numberer.take(cn_to_int(m.group(1)), None, line_no), label + rest if heading else label, line_no)
            if rest and not heading:
                b.current.paragraphs.append(rest)
        elif b.current is None:
            if mode == "section" and b.chapter:
                b.section(line_no, by_label=True)
            else:
                b.start(1 if mode == "single" else 0, title if mode == "single" else "序言", line_no)
            b.current.paragraphs.append(tok[1])
        elif after_heading and (mode == "section" or i > last_start):
            b.section(line_no, by_label=mode == "section")  # an appendix after the last article/item, or a section
            b.current.paragraphs.append(tok[1])
        else:
            b.add(tok[1])
        after_heading = False

    for m in b.measures:  # an item heading or article with no text: its label is its only words
        if not m.paragraphs:
            m.paragraphs.append(m.title)
    meta = {"structure": mode}
    if b.numberer.renumbered_lines:
        meta["renumbered"] = True
        meta["renumbered_lines"] = b.numberer.renumbered_lines
    return b.measures, meta


# ---- front matter: doc number, dates, issuer lines above the body (txt, html, docx) ----

ISO_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
ISSUER_SUFFIX = re.compile(r"(人民政府|办公厅|办公室|委员会|常务委员会|人民代表大会|国务院|部|局|署|院|厅|委|会|总局|银行|中心)$")
_BODY_RES = [
    re.compile(r"^(?:根据|经)?(?P<place>[\u4e00-\u9fff]{0,12}?)第[\u4e00-\u9fff\d]{1,6}届(?P<body>全国人民代表大会常务委员会|全国人民代表大会|人民代表大会常务委员会|人民代表大会)"),
    re.compile(r"(?P<body>最高人民法院|最高人民检察院)"),
    re.compile(r"^(?:中华人民共和国)?(?P<body>国务院)"),
    re.compile(r"^(?:根据|经)?(?P<body>[\u4e00-\u9fff]{1,10}?(?:省|市|自治区|自治州|县|区)"
               r"(?:人民代表大会常务委员会|人民代表大会|人民政府))"),
    re.compile(r"^(?:中华人民共和国)?(?P<body>[\u4e00-\u9fff]{2,20}?)令"),
]


_DATE_LABEL = re.compile(r"[发布印成文日期时间：:\s]")


def dates_in(text: str) -> list[str]:
    """Every date in the text, ISO: '2018年3月5日' and '2018-03-05' forms."""
    out = []
    for m in ISO_DATE_RE.finditer(text):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        if 1 <= mo <= 12 and 1 <= d <= 31:
            out.append(f"{y:04d}-{mo:02d}-{d:02d}")
    return out


def issuer_of(event: str) -> str | None:
    """The body an event line names: '2009年2月28日 第十一届全国人民代表大会常务委员会第七次会议通过'
    → '全国人民代表大会常务委员会'; '… 山东省第十二届人民代表大会常务委员会…' → '山东省人民代表大会常务委员会'."""
    text = ISO_DATE_RE.sub("", event, count=1).strip(" \u3000()（）")
    for rx in _BODY_RES:
        m = rx.search(text)
        if m:
            body = ("" if "place" not in rx.groupindex else m.group("place") or "") + m.group("body")
            if "最高人民" in body:
                both = [b for b in ("最高人民法院", "最高人民检察院") if b in text]
                return "、".join(both)
            return body
    return None


def split_front_matter(lines: list[tuple[int, str]]) -> tuple[dict, list[tuple[int, str]]]:
    """Meta lines above the first heading/article/item → meta; everything else stays body.

    A line is meta when it is a doc number (short, DOC_NUMBER_RE), a date line (short, or a
    bracketed event line such as "（2002年6月29日…通过　2017年9月1日…修订）"), or an issuer
    (a short line ending in 人民政府/办公厅/委员会/部/局…). Meta lines are not body text.
    """
    meta: dict = {}
    events: list[str] = []
    body: list[tuple[int, str]] = []
    in_front = True
    for line_no, raw in lines:
        text = tidy_line(raw)
        if in_front and text:
            kind = classify(text)[0]
            if kind in ("heading", "article") or ITEM_RE.match(text):
                in_front = False
            else:
                bare = text.strip("()（）[]【】 \u3000")
                if len(text) <= 40 and DOC_NUMBER_RE.search(text) and "doc_number" not in meta:
                    meta["doc_number"] = DOC_NUMBER_RE.search(text).group(0)
                    rest = DOC_NUMBER_RE.sub("", text).strip()
                    for d in dates_in(rest):
                        meta.setdefault("date", d)
                    continue
                if dates_in(text) and len(text) <= 40 and not _DATE_LABEL.sub("", ISO_DATE_RE.sub("", bare)):
                    meta.setdefault("date", dates_in(text)[0])  # a bare date: '2019年3月5日', '发布日期：…'
                    continue
                if dates_in(text) and (len(text) <= 40 or text[0] in "(（" and text[-1] in ")）"):
                    parts = [p for p in re.split(r"\s+(?=(?:根据)?\d{4}\s*年\s*\d{1,2}\s*月)", bare) if p]
                    events.extend(parts)
                    continue
                if len(text) <= 30 and not SENTENCE_PUNCT.search(text) and ISSUER_SUFFIX.search(text) \
                        and not body and "issuer" not in meta:
                    meta["issuer"] = text
                    continue
        body.append((line_no, raw))
    if events:
        meta["events"] = events
        all_dates = [d for e in events for d in dates_in(e)]
        if all_dates and "date" not in meta:
            meta["date"] = max(all_dates)
        if "issuer" not in meta:
            for e in events:
                issuer = issuer_of(e)
                if issuer:
                    meta["issuer"] = issuer
                    break
    return meta, body
