"""Articles and measures as the unit that is ranked: term statistics lifted from clauses.

The index holds one document per clause (a sentence), but relevance belongs to the article (条) or
measure (序号): a question's words are spread over an article's sentences, and a list item means
little without the sentence that introduces it. So every query term's clause postings are summed
per unit (its term frequency in the whole article), and units are scored with BM25 at that level:
saturation over the article's frequency, length normalised by the article's length, idf counted in
articles. A unit's measure title and chapter, stored on each of its clauses, count once, and so do
its document's title words (through the searcher's title word index).

Everything here is arrays built once per index generation; a term's unit postings are cached.
"""
from __future__ import annotations

from math import log
from typing import NamedTuple

import numpy as np

from . import evaluate

MAX_CACHED_UNIT_POSTINGS = 40_000_000


class UnitPostings(NamedTuple):
    ids: np.ndarray          # units holding the term, sorted
    freq: np.ndarray         # the term's frequency in each
    clause_ids: np.ndarray   # the clauses holding it, sorted
    clause_tf: np.ndarray


class Units:
    """clause docnum → unit number, with each unit's length, document and representative clause."""

    def __init__(self, unit_of: list[int] | np.ndarray, doc_of, text_lengths: np.ndarray, live=None):
        self.unit_of = np.asarray(unit_of, dtype=np.int32)
        self.doc_of_clause = np.asarray(doc_of, dtype=np.int32)
        n = int(self.unit_of.max()) + 1 if len(self.unit_of) else 0
        self.count = n
        weights = text_lengths if live is None else text_lengths * live
        self.length = np.bincount(self.unit_of, weights=weights, minlength=n)
        clauses = np.arange(len(self.unit_of))
        if live is not None:
            clauses = clauses[live]
        first = np.full(n, len(self.unit_of), dtype=np.int64)
        np.minimum.at(first, self.unit_of[clauses], clauses)
        self.live = first < len(self.unit_of)            # units with at least one live clause
        self.first = np.where(self.live, first, 0).astype(np.int32)
        self.doc_of = self.doc_of_clause[self.first]
        self.n_live = int(self.live.sum())
        self.avg_length = float(self.length[self.live].mean()) if self.n_live else 1.0
        n_docs = int(self.doc_of.max()) + 1 if n else 0
        self.doc_length = np.bincount(self.doc_of[self.live], weights=self.length[self.live], minlength=n_docs)
        self.docs_live = int((self.doc_length > 0).sum())
        self.avg_doc_length = float(self.doc_length[self.doc_length > 0].mean()) if self.docs_live else 1.0
        self.cache = evaluate.LRU(MAX_CACHED_UNIT_POSTINGS, lambda found: len(found.ids) + len(found.clause_ids))
        self.ordered = bool(np.all(self.unit_of[1:] >= self.unit_of[:-1]))   # each unit's clauses together, in order
        self.clause_length = text_lengths
        self._by_unit = np.argsort(self.unit_of, kind="stable").astype(np.int32)
        self._starts = np.searchsorted(self.unit_of[self._by_unit], np.arange(n + 1))

    def lift(self, ids: np.ndarray) -> np.ndarray:
        """Sorted unique units of these clauses (sorted clauses of ordered units: their runs)."""
        units = self.unit_of[ids]
        if self.ordered and len(units) and bool(np.all(ids[1:] > ids[:-1])):
            return units[np.concatenate([[True], units[1:] != units[:-1]])]
        return np.unique(units)

    def clauses(self, unit: int) -> np.ndarray:
        """The unit's clause docnums, in docnum order (live or not)."""
        return self._by_unit[self._starts[unit]:self._starts[unit + 1]]

    def term(self, postings, searcher, fieldname: str, btext: bytes) -> "UnitPostings":
        """The term's postings lifted to units (and its clause postings, for choosing a unit's
        best clause), cached per generation."""
        def make():
            clause_ids, tf = postings.frequencies(searcher, fieldname, btext)
            tf = tf.astype(np.float32)   # small whole numbers: exact, at half the cache's memory
            if not len(clause_ids):
                return UnitPostings(np.empty(0, np.int32), np.empty(0, np.float32), clause_ids, tf)
            units = self.unit_of[clause_ids]
            if self.ordered:   # clause ids sorted, so their units are: runs, no sort needed
                starts = np.concatenate([[0], np.flatnonzero(units[1:] != units[:-1]) + 1])
                return UnitPostings(units[starts], np.add.reduceat(tf, starts), clause_ids, tf)
            ids, inverse = np.unique(units, return_inverse=True)
            return UnitPostings(ids.astype(np.int32),
                                np.bincount(inverse, weights=tf, minlength=len(ids)).astype(np.float32),
                                clause_ids, tf)
        return self.cache.get((fieldname, btext), make)

    def idf(self, df: int) -> float:
        """Lucene's BM25 idf over units: never negative, however common the term."""
        n = self.n_live
        return log(1 + (n - df + 0.5) / (df + 0.5))

    def bm25(self, ids: np.ndarray, freq: np.ndarray, idf: float, k1: float, b: float) -> np.ndarray:
        freq = freq.astype(np.float64)   # cached as float32; scored in float64 like every other score
        norm = k1 * ((1 - b) + b * self.length[ids] / self.avg_length)
        return idf * freq * (k1 + 1) / (freq + norm)

    def doc_bm25(self, ids: np.ndarray, freq: np.ndarray, k1: float, b: float) -> np.ndarray:
        """The term's BM25 over whole documents (every document of the collection), from its units."""
        tf = np.bincount(self.doc_of[ids], weights=freq, minlength=len(self.doc_length))
        df = int((tf > 0).sum())
        idf = log(1 + (self.docs_live - df + 0.5) / (df + 0.5))
        norm = k1 * ((1 - b) + b * self.doc_length / self.avg_doc_length)
        return idf * tf * (k1 + 1) / (tf + norm)

    def clause_bm25(self, ids: np.ndarray, tf: np.ndarray, idf: float, k1: float, b: float,
                    avg_length: np.ndarray) -> np.ndarray:
        """The same at clause level, each clause against the average length given for it (that of
        its unit's clauses holding the term: a unit's clauses compete among themselves)."""
        tf = tf.astype(np.float64)
        norm = k1 * ((1 - b) + b * self.clause_length[ids] / np.maximum(avg_length, 1.0))
        return idf * tf * (k1 + 1) / (tf + norm)
