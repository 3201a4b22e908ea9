"""A ranked article or measure as the result's hit: its best clause (the deep link), highlighted,
with the unit's other matching clauses after it."""
from __future__ import annotations

import numpy as np

from indexer.engine import evaluate

from .highlight import highlight

MAX_MORE_CLAUSES = 3  # a hit's other matching clauses listed with it


def live_clauses(gen, s, unit, excluded) -> np.ndarray:
    """The unit's live clauses a hit may show (never one holding an excluded word), sorted."""
    clauses = gen.units().clauses(unit)
    live = gen.postings.live(s)
    if live is not None:
        clauses = clauses[live[clauses]]
    if excluded is not None:
        clauses = clauses[~evaluate.member(clauses, excluded)]
    return clauses


def unit_hit(gen, s, unit, is_strict, score, clauses, weight, highlight_terms, strict_ids, strict_scores) -> dict:
    """One article or measure: its best clause as the hit (the deep link), with the unit's other
    matching clauses after it (`weight`: each clause's score for the query's terms)."""
    weight = weight.copy()
    if is_strict:   # a clause satisfying the query as written comes first
        inside = evaluate.member(clauses, strict_ids)
        weight[inside] += strict_scores[np.searchsorted(strict_ids, clauses[inside])] + weight.max() + 1
    best = np.lexsort((clauses, -weight))
    first = int(clauses[best[0]])
    hit = clause(gen, s, first, highlight_terms)
    info = hit.pop("info")
    others = [int(clauses[i]) for i in best[1:] if weight[i] > 0][:MAX_MORE_CLAUSES]
    more = []
    for docnum in others:
        other = clause(gen, s, docnum, highlight_terms)
        more.append({"clause_id": other["info"]["clause_id"], "text": other["text"],
                     "highlight": other["highlight"]})
    return {"clause_id": info["clause_id"], "doc_id": hit["doc_id"], "doc_title": info.get("doc_title", ""),
            "measure_no": info["measure_no"], "measure_title": info.get("measure_title", ""),
            "departments": info.get("departments", []), "text": hit["text"],
            "highlight": hit["highlight"], "score": round(score, 4),
            "article": info.get("article"), "chapter": info.get("chapter"),
            "category": info.get("category"), "version_date": info.get("version_date"),
            "exact": bool(is_strict), "clauses": more}


def clause(gen, s, docnum, terms) -> dict:
    """A clause's stored record and text, highlighted with its stored segmentation."""
    f = s.stored_fields(docnum)
    return {"info": f["info"], "doc_id": f["doc_id"], "text": f["text"],
            "highlight": highlight(gen.analyzer, f["text"], terms, f.get("cuts"))}
