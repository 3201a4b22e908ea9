"""Escaped clause text with the matched words wrapped in <mark>: whole analyzer tokens only."""
from __future__ import annotations

from markupsafe import escape

from indexer.engine.analysis import index_spans


def matched_spans(analyzer, text: str, terms, cuts: str | None = None) -> list[tuple[int, int]]:
    """Character spans of tokens whose text is a query term, overlapping ones merged (longest span).
    cuts: the text's segmentation as the index stored it (analysis.word_cuts), if it has one."""
    tokens = index_spans(analyzer, text, terms, cuts)
    if tokens is None:
        tokens = [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True, mode="index")]
    spans = sorted((start, end) for term, start, end in tokens if term in terms)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def highlight(analyzer, text: str, terms, cuts: str | None = None) -> str:
    """HTML: the text escaped, each matched span in <mark>…</mark>; nothing else is markup.
    Adjacent spans are one mark (专利质押, not 专利 and 质押 with a gap between them)."""
    out, last = [], 0
    joined: list[list[int]] = []
    for start, end in matched_spans(analyzer, text, terms, cuts) if terms else ():
        if joined and start == joined[-1][1]:
            joined[-1][1] = end
        else:
            joined.append([start, end])
    for start, end in joined:
        out.append(str(escape(text[last:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(str(escape(text[last:])))
    return "".join(out)
