"""Cut measure paragraphs into sentence clauses without losing a character.

A clause ends after 。！？； (and their half-width forms ! ? ;) or at the paragraph end, never
inside 《》“”‘’（）()〔〕[]【】 brackets. Only brackets that close within the paragraph protect
their content: a quote opened and never closed (as in amendment texts quoting several
paragraphs) must not swallow the whole paragraph into one clause.
"""
from __future__ import annotations

from .model import Clause, Document

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


def document_clauses(doc: Document) -> list[Clause]:
    """Every clause of a document, in reading order, with its stable id."""
    clauses = []
    for m in doc.measures:
        for p_no, para in enumerate(m.paragraphs, 1):
            for s_no, sentence in enumerate(split_sentences(para), 1):
                clauses.append(Clause(f"{doc.doc_id}:{m.no}:{p_no}:{s_no}", doc.doc_id, m.no, p_no, s_no, sentence))
    return clauses
