"""Cut measure paragraphs into sentence clauses without losing a character.

A clause ends after 。！？； (and their half-width forms ! ? ;) or at the paragraph end, never
inside 《》“”‘’（）()〔〕[]【】 brackets. Trailing closing quotes/brackets stay with their sentence.
"""
from __future__ import annotations

from .model import Clause, Document

ENDERS = set("。！？；!?;")
OPENERS = {"《": "》", "“": "”", "‘": "’", "（": "）", "(": ")", "〔": "〕", "[": "]", "【": "】", "「": "」", "『": "』"}
CLOSERS = {v: k for k, v in OPENERS.items()}


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph; ''.join(result) == paragraph, and no piece is blank."""
    out, start, stack, i, n = [], 0, [], 0, len(paragraph)
    while i < n:
        ch = paragraph[i]
        if ch in OPENERS:
            stack.append(ch)
        elif ch in CLOSERS:
            if CLOSERS[ch] in stack:  # unbalanced closers are tolerated and ignored
                while stack and stack.pop() != CLOSERS[ch]:
                    pass
        elif ch in ENDERS and not stack:
            j = i + 1
            while j < n and (paragraph[j] in ENDERS or paragraph[j] in "”’）)」』"):
                j += 1
            out.append(paragraph[start:j])
            start = i = j
            continue
        i += 1
    if start < n:
        out.append(paragraph[start:])
    # blank-only pieces (e.g. trailing spaces) join the previous sentence so nothing is lost
    merged: list[str] = []
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
