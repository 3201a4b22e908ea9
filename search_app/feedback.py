"""Pseudo-relevance feedback for questions (RM3-style): the statutes' own words, read off the
articles a question ranks first.

A reader's question and the article that answers it often share only a word or two; the articles
ranked first mostly speak of the right matter in the statutes' words (用人单位, 劳动报酬, 解除). So
the words of the first FEEDBACK_DOCS units, each weighted by its share of their scores and by its
frequency in the unit, and by rarity in the collection (idf, so 应当 and 规定 never lead), give at
most FEEDBACK_TERMS terms that are added at FEEDBACK_WEIGHT (× their weight relative to the
strongest) and the question is ranked again. They never count as the reader's words (holds=False),
so coordination and "every word" stay the reader's. Keyword queries are never widened.
The settings were chosen by cross-validation on STARD's train split (benchmarks/stard/README.md).
"""
from __future__ import annotations

from collections import Counter
from math import log

from .ranking import Term

FEEDBACK_DOCS = 0          # units read (0: no feedback)
FEEDBACK_TERMS = 10        # terms added at most
FEEDBACK_WEIGHT = 0.3      # the strongest added term's weight (the reader's words weigh 1)
FEEDBACK_MAX_DF = 0.05     # words in more than this share of clauses say nothing of a matter
FEEDBACK_MIN_LENGTH = 2    # characters: one character is too vague to add
FEEDBACK_MIN_UNITS = 2     # a word of one unit only is that unit's, not the matter's (and often a fragment)
NUMERAL = set("零一二三四五六七八九十百千万")


def unit_words(compiler, searcher, units, unit: int) -> Counter:
    """The unit's words as the index holds them (whole words, not sub-words), counted."""
    text = "".join(searcher.stored_fields(int(c)).get("text", "") for c in units.clauses(unit))
    return Counter(u.word for u in compiler.units(text))


def feedback_terms(compiler, searcher, units, ranked_units, scores, terms: list[Term], question_words,
                   n_docs: int = None, n_terms: int = None, weight: float = None) -> list[Term]:
    """The terms to add, strongest first; none when there is nothing to read."""
    n_docs = FEEDBACK_DOCS if n_docs is None else n_docs
    n_terms = FEEDBACK_TERMS if n_terms is None else n_terms
    weight = FEEDBACK_WEIGHT if weight is None else weight
    top = [(int(u), float(s)) for u, s in zip(ranked_units[:n_docs], scores[:n_docs]) if s > 0]
    if not top or n_terms <= 0 or weight <= 0:
        return []
    total = sum(s for _, s in top)
    have = {t.word for t in terms}
    relevance: Counter = Counter()
    seen: Counter = Counter()
    for unit, score in top:
        counts = unit_words(compiler, searcher, units, unit)
        length = sum(counts.values()) or 1
        for word, tf in counts.items():
            if (len(word) >= FEEDBACK_MIN_LENGTH and word not in have and word not in question_words
                    and not set(word) <= NUMERAL):
                relevance[word] += (score / total) * tf / length
                seen[word] += 1
    n_clauses = max(1, searcher.doc_count())
    ranked = []
    for word, p in relevance.items():
        if seen[word] < min(FEEDBACK_MIN_UNITS, len(top)):
            continue
        df = compiler.doc_frequency("text", word)
        if 0 < df <= FEEDBACK_MAX_DF * n_clauses:
            ranked.append((p * log(1 + n_clauses / df), word))
    ranked.sort(key=lambda x: (-x[0], x[1]))
    ranked = ranked[:n_terms]
    if not ranked:
        return []
    strongest = ranked[0][0]
    return [Term(word, weight * value / strongest, "feedback", holds=False) for value, word in ranked]
