"""Query trees (query.py) evaluated over posting lists held as numpy arrays.

Whoosh matches a query by stepping Python matcher objects one document at a time: a word found
in 20,000 clauses, looked up in five fields, costs some 100,000 Python calls, and the total and
the facets need the whole match set a second time. Here each term's postings are read once per
index generation into an array of document numbers and one of BM25F scores, computed with
Whoosh's own formula and statistics (its idf, average field lengths and byte-coded lengths), so
rankings are Whoosh's. And/Or/AndNot/AndMaybe/boosts/constant scores become array operations,
and phrases are checked on word-position arrays read the same way, only in clauses holding
every word (a phrase of one word, or of a slop beyond MAX_ARRAY_SLOP, by Whoosh's own matcher).

A match is `(ids, scores)`: sorted unique document numbers and their scores.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from math import log
from pickle import loads

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from . import query as Q
from .scoring import BM25_B, BM25_K1
from .term_arrays import TermArrays

__all__ = ["Postings", "Evaluator", "LRU", "array_bytes", "top", "restrict", "member", "read_postings", "EMPTY"]

EMPTY = (np.empty(0, np.int32), np.empty(0))
MAX_CACHED_BYTES = 72_000_000     # ids and scores (and, apart, positions) kept per index generation
MAX_CACHED_TERMS = 50_000         # terms kept, however small: unknown words cache as empty entries
ENTRY_BYTES = 200                 # what one cached entry costs beside its arrays (key, tuple, dict slot)
PROXIMITY_CANDIDATES = 300        # a bonus phrase is checked in this many best matches at most
MAX_ARRAY_SLOP = 16               # wider phrases are left to Whoosh's span matcher
_POSITION_KEY = 1 << 24           # document number × this + word position: one sortable key
_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class LRU:
    """Values made on a miss, least recently used dropped beyond `limit` (counted by size_of: one
    per value unless given) or beyond `max_items` values. Made outside the lock: two threads may
    both make one, the first kept wins."""

    def __init__(self, limit, size_of=lambda value: 1, max_items=None):
        self.limit, self.size_of, self.max_items = limit, size_of, max_items
        self.items: OrderedDict = OrderedDict()
        self.size = 0
        self._lock = threading.Lock()

    def get(self, key, make):
        with self._lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                return found
        found = make()
        with self._lock:
            if key in self.items:
                return self.items[key]
            self.items[key] = found
            self.size += self.size_of(found)
            while len(self.items) > 1 and (self.size > self.limit or
                                           (self.max_items is not None and len(self.items) > self.max_items)):
                _, old = self.items.popitem(last=False)
                self.size -= self.size_of(old)
        return found


def array_bytes(found) -> int:
    """Bytes a cached tuple of arrays holds, an empty one (an unknown word) included."""
    return ENTRY_BYTES + sum(a.nbytes for a in found if isinstance(a, np.ndarray))


class Postings:
    """Per index generation: term → (ids, scores) arrays, kept in an LRU bounded by postings.

    Arrays are immutable once made, so threads share them; reading a missing term uses the
    calling thread's own Whoosh searcher (Whoosh's files are not safe to share between threads).
    """

    def __init__(self, B=BM25_B, K1=BM25_K1, max_bytes=MAX_CACHED_BYTES, max_terms=MAX_CACHED_TERMS, arrays=None):
        self.B, self.K1 = B, K1
        self.arrays: dict[str, TermArrays] = arrays or {}   # fields whose postings the generation holds flat
        self._terms = LRU(max_bytes, array_bytes, max_terms)
        self._positions = LRU(max_bytes, array_bytes, max_terms)
        self._lengths: dict[str, np.ndarray] = {}
        self._live = None

    # -- statistics read once -----------------------------------------------------------------
    def live(self, searcher):
        """Live document numbers (None when nothing is deleted): deleted clauses keep postings."""
        if self._live is None:
            reader = searcher.reader()
            if reader.has_deletions():
                mask = np.zeros(reader.doc_count_all(), dtype=bool)
                mask[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
            else:
                mask = False
            self._live = mask
        return None if self._live is False else self._live

    def lengths(self, searcher, fieldname) -> np.ndarray:
        """docnum → the field's length as Whoosh scores it (decoded from its length byte)."""
        found = self._lengths.get(fieldname)
        if found is None:
            reader = searcher.reader()
            parts = []
            for leaf, _offset in reader.leaf_readers():
                n = leaf.doc_count_all()
                raw = np.zeros(n, dtype=np.uint8)
                column = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
                if column is None:
                    parts.append(np.ones(n))   # Whoosh's default length for a field without lengths
                    continue
                count = min(column._count, n)
                raw[:count] = np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)
                parts.append(_BYTE_LENGTHS[raw])
            found = self._lengths[fieldname] = np.concatenate(parts) if parts else np.empty(0)
        return found

    # -- terms --------------------------------------------------------------------------------
    def term(self, searcher, fieldname: str, btext: bytes):
        """(ids, scores) of the term's live postings."""
        return self._terms.get((fieldname, btext), lambda: self._read(searcher, fieldname, btext))

    def positions(self, searcher, fieldname: str, btext: bytes):
        """(starts, flat): the word positions of the term's i-th posting (as in term()) are
        flat[starts[i]:starts[i + 1]]."""
        return self._positions.get((fieldname, btext), lambda: self._read_positions(searcher, fieldname, btext))

    def _read_positions(self, searcher, fieldname, btext):
        ids, codes, counts = [], [], []
        for block_ids, _, values in _blocks(searcher, fieldname, btext, values=True):
            ids.append(block_ids)
            for value in values:   # Whoosh's Positions format: 4-byte count, pickled deltas
                deltas = loads(value[4:] if value.endswith(b".") else value[4:] + b".")
                codes.extend(deltas)
                counts.append(len(deltas))
        if not ids:
            return np.zeros(1, dtype=np.int64), np.empty(0, np.int64)
        docs, counts = np.concatenate(ids), np.asarray(counts, dtype=np.int64)
        flat = np.cumsum(np.asarray(codes, dtype=np.int64))
        starts = np.concatenate([[0], np.cumsum(counts)])
        flat -= np.repeat(np.concatenate([[0], flat[starts[1:-1] - 1]]), counts)   # deltas restart per posting
        live = self.live(searcher)
        if live is not None and not live[docs].all():
            keep = live[docs]
            flat = flat[np.repeat(keep, counts)]
            counts = counts[keep]
            starts = np.concatenate([[0], np.cumsum(counts)])
        return starts, flat

    def frequencies(self, searcher, fieldname, btext):
        """(ids, term frequencies) of the term's live postings, uncached (units lift and keep them):
        slices of the generation's term arrays where it has them, else read through Whoosh."""
        arrays = self.arrays.get(fieldname)
        if arrays is not None:
            found = arrays.get(btext)
            if found is None:
                return EMPTY
            docs, tf = found
        else:
            docs, tf = read_postings(searcher, fieldname, btext)
            if not len(docs):
                return EMPTY
        live = self.live(searcher)
        if live is not None:
            keep = live[docs]
            docs, tf = docs[keep], tf[keep]
        return docs.astype(np.int32), tf

    def _read(self, searcher, fieldname, btext):
        reader = searcher.reader()
        field = searcher.schema[fieldname]
        docs, tf = self.frequencies(searcher, fieldname, btext)
        if not len(docs):
            return EMPTY
        if field.scorable:
            dc = reader.doc_count_all()
            idf = log(dc / (reader.doc_frequency(fieldname, btext) + 1)) + 1
            avgfl = searcher.avg_field_length(fieldname) or 1
            fl = self.lengths(searcher, fieldname)[docs]
            scores = idf * ((tf * (self.K1 + 1)) / (tf + self.K1 * ((1 - self.B) + self.B * fl / avgfl)))
        else:
            scores = tf   # Whoosh's WeightScorer: the posting's weight
        return docs, scores


class Evaluator:
    """Evaluates query trees for one thread: its Whoosh searcher and the generation's Postings."""

    def __init__(self, postings: Postings, searcher, proximity_candidates=PROXIMITY_CANDIDATES):
        self.postings = postings
        self.searcher = searcher
        self.schema = searcher.schema
        self.proximity_candidates = proximity_candidates
        self._memo: dict | None = None

    def ids(self, q) -> np.ndarray:
        return self.evaluate(q)[0]

    def evaluate_many(self, queries) -> list:
        """Several queries' matches in one evaluation, so subqueries they share are evaluated once."""
        self._memo = {}
        try:
            return [self.evaluate(q) for q in queries]
        finally:
            self._memo = None

    def evaluate(self, q):
        """q's match. A subquery object met again within one evaluation (a relaxed query's share
        filter reuses each word's query in many combinations) is evaluated once."""
        if self._memo is None:
            return self.evaluate_many([q])[0]
        found = self._memo.get(id(q))
        if found is None:
            found = self._memo[id(q)] = self._evaluate(q)
        return found

    def _evaluate(self, q):
        method = _METHODS.get(type(q))
        if method is None:
            raise TypeError(f"not a query of the engine (indexer.engine.query): {q!r}")
        return method(self, q)

    # -- leaves -------------------------------------------------------------------------------
    def _Term(self, q):
        if q.fieldname not in self.schema:
            return EMPTY
        try:
            btext = self.schema[q.fieldname].to_bytes(q.text)
        except ValueError:
            return EMPTY
        ids, scores = self.postings.term(self.searcher, q.fieldname, btext)
        return (ids, scores * q.boost) if q.boost != 1.0 else (ids, scores)

    def _null(self, q):
        return EMPTY

    def _Every(self, q):
        n = self.searcher.doc_count_all()
        live = self.postings.live(self.searcher)
        ids = np.arange(n, dtype=np.int32) if live is None else np.flatnonzero(live).astype(np.int32)
        return ids, np.full(len(ids), float(q.boost))

    def _ConstantScoreQuery(self, q):
        ids = self.evaluate(q.child)[0]
        return ids, np.full(len(ids), float(q.score))

    def _Phrase(self, q, best_of=None):
        """Clauses holding every word, then positions: each next word 1..slop positions after the
        one before, in order (Whoosh's SpanNear2); the score is the boosted sum of the words'
        scores, as Whoosh's span matcher sums them. With best_of (a match and a number), only
        that many of its best-scored clauses are checked."""
        field = self.schema[q.fieldname] if q.fieldname in self.schema else None
        if field is None or not q.words:
            return EMPTY
        words = [field.to_bytes(w) for w in q.words]
        have = None
        for word in words:
            ids = self.postings.term(self.searcher, q.fieldname, word)[0]
            have = ids if have is None else have[_member(have, ids)]
            if not len(have):
                return EMPTY
        if best_of is not None:
            (ids, scores), cap = best_of
            inside = _member(ids, have)
            have, scores = ids[inside], scores[inside]
            if len(have) > cap:
                have = np.sort(have[_best(scores, cap)])
            if not len(have):
                return EMPTY
        if q.slop > MAX_ARRAY_SLOP or len(words) < 2:
            return self._whoosh(q, have)
        total = np.zeros(len(have))
        reach = None
        for word in words:
            ids, scores = self.postings.term(self.searcher, q.fieldname, word)
            at = np.searchsorted(ids, have)
            total += scores[at]
            starts, flat = self.postings.positions(self.searcher, q.fieldname, word)
            lengths = starts[at + 1] - starts[at]
            offsets = np.repeat(starts[at] - (np.cumsum(lengths) - lengths), lengths) + np.arange(lengths.sum())
            keys = np.repeat(have.astype(np.int64) * _POSITION_KEY, lengths) + flat[offsets]
            if reach is not None:
                follows = np.zeros(len(keys), dtype=bool)
                for gap in range(1, q.slop + 1):
                    follows |= _member(keys - gap, reach)
                keys = keys[follows]
                if not len(keys):
                    return EMPTY
            reach = keys
        keep = _member(have, np.unique(reach // _POSITION_KEY))
        return have[keep], total[keep] * q.boost

    # -- compounds ----------------------------------------------------------------------------
    def _Or(self, q):
        subs = q.subqueries
        if not subs or q.min_match > len(subs):
            return EMPTY
        if len(subs) == 1:          # Whoosh ignores a one-member compound's boost
            return self.evaluate(subs[0])
        parts = [self.evaluate(s) for s in subs]
        ids, scores = _union(parts, self.searcher.doc_count_all())
        if q.min_match > 1:         # the ids matched by at least min_match children
            held = sum(_member(ids, p[0]).astype(np.int32) for p in parts)
            keep = held >= q.min_match
            ids, scores = ids[keep], scores[keep]
        return (ids, scores * q.boost) if q.boost != 1.0 else (ids, scores)

    def _And(self, q):
        subs = q.subqueries
        if not subs:
            return EMPTY
        if len(subs) == 1:
            return self.evaluate(subs[0])
        parts = []
        for s in subs:
            part = self.evaluate(s)
            if not len(part[0]):
                return EMPTY
            parts.append(part)
        ids, scores = _intersect(parts)
        return (ids, scores * q.boost) if q.boost != 1.0 else (ids, scores)

    def _AndNot(self, q):
        ids, scores = self.evaluate(q.a)
        if not len(ids):
            return EMPTY
        out = self.evaluate(q.b)[0]
        keep = ~_member(ids, out)
        return ids[keep], scores[keep]

    def _AndMaybe(self, q):
        ids, scores = self.evaluate(q.a)
        if not len(ids):
            return EMPTY
        if isinstance(q.b, Q.Phrase):
            # a bonus: worth checking positions only where it can still change the first pages
            bonus = self._Phrase(q.b, best_of=((ids, scores), self.proximity_candidates))
        else:
            bonus = self.evaluate(q.b)
        inside = _member(bonus[0], ids)
        if inside.any():
            scores = scores.copy()
            scores[np.searchsorted(ids, bonus[0][inside])] += bonus[1][inside]
        return ids, scores

    # -- anything else: Whoosh's own matchers ------------------------------------------------
    def _whoosh(self, q, candidates=None):
        """Whoosh's matcher for q, segment by segment; with candidates, only those documents."""
        s = self.searcher
        context = s.context()
        whoosh_query = Q.to_whoosh(q)
        ids, scores = [], []
        for sub, offset in s.leaf_searchers():
            m = whoosh_query.matcher(sub, context)
            if candidates is None:
                while m.is_active():
                    ids.append(m.id() + offset)
                    scores.append(m.score())
                    m.next()
                continue
            end = offset + sub.doc_count_all()
            for doc in candidates[(candidates >= offset) & (candidates < end)]:
                local = int(doc) - offset
                if not m.is_active():
                    break
                if m.id() < local:
                    m.skip_to(local)
                    if not m.is_active():
                        break
                if m.id() == local:
                    ids.append(int(doc))
                    scores.append(m.score())
        if not ids:
            return EMPTY
        order = np.argsort(ids, kind="stable")
        return np.asarray(ids, dtype=np.int32)[order], np.asarray(scores, dtype=np.float64)[order]


def read_postings(searcher, fieldname, btext) -> tuple[np.ndarray, np.ndarray]:
    """(global ids, weights as float64) of all the term's postings, deleted documents included,
    through Whoosh's block decoding: what frequencies() filters, and what term arrays store."""
    ids, weights = [], []
    for block_ids, block_weights, _ in _blocks(searcher, fieldname, btext):
        ids.append(block_ids)
        weights.append(np.asarray(block_weights, dtype=np.float64))
    return (np.concatenate(ids), np.concatenate(weights)) if ids else EMPTY


def column_values(reader, fieldname, dtype) -> np.ndarray:
    """Every document's value of a numeric column, default 0 in the segments without it (an older
    segment of an updated index): Whoosh's MultiReader leaves such segments out, shifting the rest."""
    found = np.zeros(reader.doc_count_all(), dtype=dtype)
    for leaf, offset in reader.leaf_readers():
        if leaf.has_column(fieldname):
            n = leaf.doc_count_all()
            found[offset:offset + n] = np.fromiter(leaf.column_reader(fieldname), dtype=dtype, count=n)
    return found


def _blocks(searcher, fieldname, btext, values=False):
    """(global ids, weights, values) of a term's postings, segment by segment and a block at a
    time through Whoosh's own block decoding (Whoosh 2.7.4 cannot inline postings in its term
    table: its W3TermInfo lacks set_inline, so every term has blocks)."""
    fmt = searcher.schema[fieldname].format
    for leaf, offset in searcher.reader().leaf_readers():
        if (fieldname, btext) not in leaf:
            continue
        m = leaf._terms.matcher(fieldname, btext, fmt)
        while m.is_active():
            m._read_ids()
            m._read_weights()
            if values:
                m._read_values()
            yield np.asarray(m._ids, dtype=np.int64) + offset, m._weights, (m._values if values else None)
            m._next_block()


_METHODS = {Q.Term: Evaluator._Term, type(Q.NullQuery): Evaluator._null, Q.Every: Evaluator._Every,
            Q.ConstantScoreQuery: Evaluator._ConstantScoreQuery, Q.Phrase: Evaluator._Phrase,
            Q.Or: Evaluator._Or, Q.And: Evaluator._And, Q.AndNot: Evaluator._AndNot,
            Q.AndMaybe: Evaluator._AndMaybe}


# -- array operations ---------------------------------------------------------------------------
def _member(ids: np.ndarray, others: np.ndarray) -> np.ndarray:
    """For each of ids (in any order), whether it is in others (sorted)."""
    if not len(others) or not len(ids):
        return np.zeros(len(ids), dtype=bool)
    pos = np.searchsorted(others, ids)
    pos[pos == len(others)] = len(others) - 1
    return others[pos] == ids


def _union(parts, n):
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    total = sum(len(p[0]) for p in parts)
    if total * 8 > n:    # large: accumulate over all documents
        acc = np.zeros(n)
        hit = np.zeros(n, dtype=bool)
        for ids, scores in parts:
            acc[ids] += scores
            hit[ids] = True
        ids = np.flatnonzero(hit).astype(np.int32)
        return ids, acc[ids]
    ids, inverse = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)
    return ids.astype(np.int32), np.bincount(inverse, weights=np.concatenate([p[1] for p in parts]),
                                             minlength=len(ids))


member = _member


def _intersect(parts):
    parts = sorted(parts, key=lambda p: len(p[0]))
    ids, scores = parts[0]
    for other_ids, other_scores in parts[1:]:
        pos = np.searchsorted(other_ids, ids)
        pos[pos == len(other_ids)] = len(other_ids) - 1
        ok = other_ids[pos] == ids
        ids, scores = ids[ok], scores[ok] + other_scores[pos[ok]]
        if not len(ids):
            return EMPTY
    return ids, scores


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k best scores (ties at the edge kept in, so the cut is deterministic)."""
    if len(scores) <= k:
        return np.arange(len(scores))
    edge = np.partition(scores, len(scores) - k)[len(scores) - k]
    return np.flatnonzero(scores >= edge)


def top(ids: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (docnum, score), best first; equal scores in document order, as Whoosh ranks."""
    if not len(ids) or k <= 0:
        return []
    pick = _best(scores, k)
    ids, scores = ids[pick], scores[pick]
    order = np.lexsort((ids, -np.round(scores, 9)))[:k]
    return [(int(d), float(s)) for d, s in zip(ids[order], scores[order])]


def restrict(match, allowed=None, masked=None):
    """A match kept to allowed documents and without masked ones (both sorted id arrays)."""
    ids, scores = match
    keep = None
    if allowed is not None:
        keep = _member(ids, allowed)
    if masked is not None and len(masked):
        out = ~_member(ids, masked)
        keep = out if keep is None else keep & out
    return (ids, scores) if keep is None else (ids[keep], scores[keep])
