"""Cut measure paragraphs into sentence clauses without losing a character.

A clause ends after 。！？； (and their half-width forms ! ? ;) or at the paragraph end, never
inside 《》“”‘’（）()〔〕[]【】 brackets. A sentence longer than MAX_CLAUSE_CHARS is cut into
clauses of at most that many (after a comma or space where there is one), so that no query
pays for one enormous clause. Only brackets that close within the paragraph protect
their content: a quote opened and never closed (as in amendment texts quoting several
paragraphs) must not swallow the whole paragraph into one clause.
"""
from __future__ import annotations

from .model import MAX_CLAUSE_CHARS, Clause, Document

ENDERS = set("。！？；!?;")
OPENERS = {"《": "》", "“": "”", "‘": "’", "（": "）", "(": ")", "〔": "〕", "[": "]", "【": "】", "「": "」", "『": "』"}
CLOSERS = {v: k for k, v in OPENERS.items()}
TRAILERS = set("”’）)」』")


def protected_spans(text: str) -> list[bool]:
    """For each character, whether it lies inside a matched bracket pair."""
    inside = [False] * len(text)
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in OPENERS:
            stack.append((ch, i))
        elif ch in CLOSERS:
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == CLOSERS[ch]:
                    start = stack[k][1]
                    del stack[k:]
                    for j in range(start + 1, i):
                        inside[j] = True
                    break
    return inside


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph; ''.join(result) == paragraph, and no piece is blank."""
    inside = protected_spans(paragraph)
    out, start, i, n = [], 0, 0, len(paragraph)
    while i < n:
        if paragraph[i] in ENDERS and not inside[i]:
            j = i + 1
            while j < n and (paragraph[j] in ENDERS or paragraph[j] in TRAILERS):
                j += 1
            out.append(paragraph[start:j])
            start = i = j
            continue
        i += 1
    if start < n:
        out.append(paragraph[start:])
    merged: list[str] = []  # blank pieces (trailing spaces) join the previous sentence
    for piece in out:
        if merged and not piece.strip():
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


SOFT_BREAKS = set("，、,：: \t）)》”")


def bounded(sentence: str, limit: int = MAX_CLAUSE_CHARS) -> list[str]:
    """The sentence in pieces of at most `limit` characters; ''.join(result) == sentence."""
    pieces = []
    while len(sentence) > limit:
        cut = max((i + 1 for i in range(limit // 2, limit) if sentence[i] in SOFT_BREAKS), default=limit)
        pieces.append(sentence[:cut])
        sentence = sentence[cut:]
    pieces.append(sentence)
    return pieces


def document_clauses(doc: Document) -> list[Clause]:
    """Every clause of a document, in reading order, with its stable id."""
    clauses = []
    for m in doc.measures:
        for p_no, para in enumerate(m.paragraphs, 1):
            pieces = [piece for sentence in split_sentences(para) for piece in bounded(sentence)]
            for s_no, sentence in enumerate(pieces, 1):
                clauses.append(Clause(f"{doc.doc_id}:{m.no}:{p_no}:{s_no}", doc.doc_id, m.no, p_no, s_no, sentence))
    return clauses
