"""What readers asked each article: one more field of the unit, from a log of answered questions.

The articles that answer readers' questions are asked about in words the statutes never use (坠楼,
老公, 被抓) or use elsewhere. indexer/data/asked_words.tsv lists, for each article that answered a
question of STARD's train split, the content words of those questions and how many asked each
(benchmarks/stard/learn_terms.py --asked-out: document expansion from a query log). A question is
scored against these bags with BM25 (ranking.ASKED_WEIGHT, ASKED_B, chosen by cross-validation) as
evidence beside the article's own text; keyword queries are not widened by it. An article of the
file the index lacks is left out; every version of a law shares its articles' words.
"""
from __future__ import annotations

from math import log

import numpy as np


class AskedWords:
    """word → the units asked about with it: their numbers, the word's count and the bag's length."""

    def __init__(self, bags: dict[int, dict[str, int]]):
        self.units = len(bags)
        self.bags = bags
        lengths = {unit: sum(bag.values()) for unit, bag in bags.items()}
        average = sum(lengths.values()) / max(1, len(lengths))
        postings: dict[str, list[tuple[int, int]]] = {}
        for unit, bag in sorted(bags.items()):
            for word, count in bag.items():
                postings.setdefault(word, []).append((unit, count))
        self.postings: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, float]] = {}
        for word, found in postings.items():
            ids = np.array([u for u, _ in found], dtype=np.int32)
            tf = np.array([c for _, c in found], dtype=np.float64)
            relative = np.array([lengths[u] for u in ids], dtype=np.float64) / average
            idf = log(1 + (self.units - len(ids) + 0.5) / (len(ids) + 0.5))
            self.postings[word] = (ids, tf, relative, idf)

    @classmethod
    def build(cls, entries, units_of, normalize) -> AskedWords:
        """entries: (title, article, [(word, count)]); units_of(title, article) → the unit numbers
        of that article (each version's)."""
        bags: dict[int, dict[str, int]] = {}
        for title, article, words in entries:
            for unit in units_of(title, article):
                bag = bags.setdefault(int(unit), {})
                for word, count in words:
                    word = normalize(word)
                    bag[word] = bag.get(word, 0) + count
        return cls(bags)

    def matched(self, unit: int, words) -> list[str]:
        """The words readers asked the unit with, of these (a hit's explanation)."""
        bag = self.bags.get(int(unit), {})
        return [w for w in words if w in bag]

    def scores(self, words, count: int, k1: float, b: float, min_words: int = 1) -> np.ndarray | None:
        """The words' BM25 per unit (count units) where at least min_words of them were asked of it;
        None when no unit was."""
        found = [self.postings[w] for w in words if w in self.postings]
        if len(found) < min_words or not found:
            return None
        out = np.zeros(count)
        held = np.zeros(count, dtype=np.int32)
        for ids, tf, relative, idf in found:
            out[ids] += idf * tf * (k1 + 1) / (tf + k1 * ((1 - b) + b * relative))
            held[ids] += 1
        if min_words > 1:
            out[held < min_words] = 0.0
        return out
