"""What `policy-index check` reports beyond unreadable files: readable documents that look wrong.

A regulation (第X条 articles) read from a librarian's file may repeat an article number (the reader
renumbers it, so nothing is lost, but the links and 条:… filters no longer match the text), skip one,
or hold an article with no text. These are warnings: the document is indexed as read, and `check`
names each with its file and line so that the source can be fixed.
"""
from __future__ import annotations

from .model import CorpusError, Document

# formats whose articles come from a librarian's file (the law collection's Markdown is checked
# by its own tests and restarts its numbering in appendices on purpose)
CHECKED_FORMATS = {"regulation-txt", "html", "docx"}


def document_warnings(doc: Document) -> list[CorpusError]:
    """Duplicate, missing and empty articles of one regulation, in line order."""
    if doc.format not in CHECKED_FORMATS:
        return []
    articles = [m for m in doc.measures if m.article]
    if not articles:
        return []
    from .numerals import cn_to_int
    from .numerals import ARTICLE_HEADING_RE
    warnings, first_line, numbers = [], {}, []
    for m in articles:
        match = ARTICLE_HEADING_RE.match(m.article)
        if match is None:
            continue
        label = m.article
        if label in first_line:
            warnings.append(CorpusError(doc.path, m.line, f"warning: {label} again (first on line {first_line[label]})"))
        else:
            first_line[label] = m.line
        if not match.group(2):            # 第X条之N is an extra article, never a gap
            numbers.append((cn_to_int(match.group(1)), m.line))
        if m.paragraphs == [m.title]:
            warnings.append(CorpusError(doc.path, m.line, f"warning: {label} has no text"))
    seen = {n for n, _ in numbers}
    for (n, line), (nxt, _) in zip(numbers, numbers[1:]):
        if nxt > n + 1 and not any(k in seen for k in range(n + 1, nxt)):
            gap = nxt - n - 1
            missing = f"article {n + 1}" if gap == 1 else f"articles {n + 1}–{nxt - 1}"
            warnings.append(CorpusError(doc.path, line, f"warning: {missing} missing after this one "
                                                        f"(next is {nxt})"))
    if numbers and numbers[0][0] > 1 and not any(k in seen for k in range(1, numbers[0][0])):
        warnings.append(CorpusError(doc.path, numbers[0][1], f"warning: the articles start at {numbers[0][0]}"))
    return sorted(warnings, key=lambda e: e.line or 0)
