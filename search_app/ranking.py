"""Articles and measures ranked on all their evidence (see units.py for the statistics).

A query's words become weighted terms: each precise word the index holds as it is, its dictionary
sub-words at SUBWORD_WEIGHT, a word the index never saw split into pieces whose weights add up to
one (a fragment never outweighs a whole word); question words (怎么办, 可以吗 …) are left out.
Every unit holding at least one term is a candidate, scored with BM25 over its whole text.

Units that satisfy the query as written (every word group, phrase, filter and article reference,
as the clause-level compiled query checks them, anywhere in the unit) are *strict*; they also get
the compiled query's best clause score, which carries phrase proximity, article references and
short-title boosts. A short keyword query shows its strict units first and adds partial matches
only when there are few (`relaxed`); a longer query (a question in a reader's own words) is one
ranked list, since no article repeats a question's words.

The source's authority weighs when a query names no document, province or category: national
laws before local regulations. The factors were chosen by cross-validation on STARD's train split
(benchmarks/stard/README.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import math
import re

import numpy as np

from indexer.engine import query as Q

from . import evaluate
from .units import Units

K1, B = 0.9, 0.9           # the article's BM25 (CV on STARD: k1 0.9 > 1.2 > 1.5, b 0.9 > 0.75 > 1.0 > 0.5)
SUBWORD_WEIGHT = 0.2        # a word's dictionary sub-words (劳动合同 → 劳动, 合同), each (CV: 0.1 ≈ 0.2 > 0.3 > 0.45)
SINGLE_CHARACTER_WEIGHT = 0.5  # a one-character word (判, 告, 交): colloquial verbs, mostly
LAY_WEIGHT = 0.8            # the statutory terms a lay word stands for (corpus/lay_terms.txt), in all
EXPANSION_TOGETHER = True   # an expansion of several words (高空抛物 → 从建筑物中抛掷物品) holds only where they stand together
SCATTERED_WEIGHT = 0.5      # × its score where they are all in the unit, apart
LEARNED_WEIGHT = 0.6        # × a learned association's weight (indexer/data/learned_terms.tsv)
ANSWER_TYPE_BONUS = 0.5     # × (1 + this) for a unit stating the kind of answer asked for (facts.py; 9 STARD 多久 questions, 3 folds: 0.2–0.5 > 0, 1.0 worse)
ASKED_WEIGHT = 0.7          # × a question's BM25 against what readers asked the unit (asked.py; CV on STARD)
ASKED_MIN_WORDS = 1         # … counted where this many of its words were asked of the unit (CV: 1 ≥ 2, r@100 .803 vs .796)
ASKED_B = 0.0               # … not length normalised (CV: 0 ≥ 0.3 > 0.75: a bag is long because many asked)
NECESSITY_EXPONENT = 0.5    # × a question word's learned necessity to this power (questions only; CV: 0.5 > 1 > 0)
MAX_COMPOUND_WORDS = 5      # one run of up to this many words, each of two characters or more, is one keyword
SHORT_QUERY_TERMS = 3       # up to this many words: every word wanted, partial matches only to pad
PAD_BELOW = 10              # fewer strict units than this: partial matches follow them
MIN_SHARE = 0.0             # a partial match of a longer query holds this share of its words (CV: 0 > 0.2 > 0.3)
DOC_WEIGHT = 0.2            # × the unit's document's BM25 over its whole text, whole words (CV on STARD)
DOC_B = 0.75
STRICT_BONUS = 1.0          # × the compiled query's best clause score, added to a strict unit's
TITLE_BONUS = 0.3           # × the short-title score, for a question naming a law (劳动合同法 …)
MAX_CACHED_SCORES = 20_000_000   # unit and document scores kept per generation (8 bytes each)
ASKING = re.compile(r"[?？]|[吗呢](?=$|[\s，。！!,.;；、])")   # how a question ends, besides its words
REPLACED_FACTOR = 0.8       # × for a repealed document, or an interpretation of a repealed law, when none is named (CV: 0.8 > 0.5 > 1)
# category → authority factor; categories not named are national laws (1.0), policy lists too
AUTHORITY = {"司法解释": 1.0, "行政法规": 0.8, "部门规章": 0.5, "地方性法规": 0.3, "其他": 0.5}
AUTHORITY_FREE_FILTERS = ("doc", "province", "category", "number", "issuer")


@dataclass
class Term:
    word: str
    weight: float
    source: str = ""          # the reader's word it came from
    holds: bool = True        # holding it holds the source word (not so for a sub-word of it)
    pieces: int = 1           # of a word the index never saw, or an expansion of several words:
    group: str = ""           # how many of the group's terms must all be held for any to count
    together: int = 0         # an expansion's words hold it where they stand together: the phrase's slop
    at: int = 0               # … and this word's place in it


class ScoredTerm(NamedTuple):
    ids: np.ndarray          # units holding the term, sorted
    unit_bm25: np.ndarray    # its BM25 in each
    doc_ids: np.ndarray      # documents holding it
    doc_bm25: np.ndarray     # its BM25 over each document's whole text


@dataclass
class Ranked:
    units: np.ndarray                 # ranked unit numbers (the first `window`)
    scores: np.ndarray
    strict: np.ndarray                # per ranked unit: satisfies the query as written
    total: int                        # units in the result set
    matched_units: np.ndarray         # every unit in the result set (sorted)
    relaxed: bool
    terms: list[Term] = field(default_factory=list)


class Vocabulary:
    """Readers' words → statutes' words: the curated one-way lay terms (corpus/lay_terms.txt, as
    carried in the index) and the learned associations (indexer/data/learned_terms.tsv)."""

    def __init__(self, normalize, lay=(), learned=()):
        self.lay: dict[str, list[str]] = {}
        for word, terms in lay:
            self.lay.setdefault(normalize(word), []).extend(normalize(t) for t in terms)
        self.learned: dict[str, list[tuple[str, float]]] = {}
        self.necessity: dict[str, float] = {}   # a question word's own learned weight (`word = weight`)
        for word, term, weight in learned:
            if term == "=":
                self.necessity[normalize(word)] = float(weight)
            else:
                self.learned.setdefault(normalize(word), []).append((normalize(term), float(weight)))
        self.longest = max((len(w) for w in self.lay), default=0)


@dataclass
class Analysed:
    terms: list[Term]
    expanded: dict[str, list[str]]   # reader's word → the expansion terms the collection holds
    question: bool                   # a question word was typed (怎么办, 可以, 谁 …)
    asked: list[str] = field(default_factory=list)   # a question's words for what readers asked (asked.py)
    keywords: int = 0                # how many keywords: the reader's space-separated groups (or one run of
                                     # whole words: MAX_COMPOUND_WORDS), else one group's words


def query_terms(compiler, words, question_words, vocabulary: Vocabulary | None = None) -> Analysed:
    """Weighted text terms for the reader's words (see the module docstring); with a vocabulary,
    also the statutory terms its lay words stand for (LAY_WEIGHT, holding the word) and learned
    associations (LEARNED_WEIGHT × their weight, adding evidence only)."""
    out: dict[str, Term] = {}
    expanded: dict[str, list[str]] = {}

    def add(word, weight, source, holds=True, pieces=1, group="", together=0, at=0):
        found = out.get(word)
        if found is None or weight > found.weight:
            out[word] = Term(word, weight, source, holds, pieces, group or source, together, at)

    df = compiler.doc_frequency

    def expand(source, word, weight, holds):
        units = [u for u in compiler.units(word) if df("text", u.word)]
        found = [u.word for u in units]
        # a term of several words counts where all of them stand together in one sentence of the unit
        slop = max((b.pos - a.pos for a, b in zip(units, units[1:])), default=0) + 1 if EXPANSION_TOGETHER else 0
        for at, w in enumerate(found):
            add(w, weight / len(found), source, holds=holds, pieces=len(found), group=f"{source}→{word}",
                together=slop, at=at)
        if found and word not in expanded.setdefault(source, []):
            expanded[source].append(word)

    every = [compiler.units(text) for text in words]
    every_unit = [u for units in every for u in units]
    analysed = [[u for u in units if u.word not in question_words] for units in every]
    # a question word was typed, or the words end as a question does (？, 吗, 呢: 是犯法吗？)
    is_question = sum(map(len, every)) > sum(map(len, analysed)) or any(ASKING.search(text) for text in words)
    # typed apart, each group is one keyword (個人所得稅 專項附加扣除: two, though four words); so is
    # one run of a few whole words (生活垃圾分类标准), while a sentence has one-character words (不给, 交)
    typed = [units for units in analysed if units]
    compound = len(typed) == 1 and len(typed[0]) <= MAX_COMPOUND_WORDS and all(len(u.word) > 1 for u in typed[0])
    keywords = len(typed) if len(typed) > 1 or compound else sum(map(len, typed))
    # learned associations widen questions; a keyword query is precise as typed
    widen = vocabulary is not None and sum(map(len, typed)) > SHORT_QUERY_TERMS and (
        keywords > SHORT_QUERY_TERMS or is_question)
    learned = vocabulary.learned if widen else {}
    necessity = vocabulary.necessity if widen and NECESSITY_EXPONENT else {}
    synonyms = compiler.synonyms
    for units in analysed:
        source_of = [u.word for u in units]
        skip: set[int] = set()
        i = 0
        while i < len(units):   # the longest run of words that is a synonym or a lay term
            for j in range(min(len(units), i + 8), i, -1):
                key = "".join(u.word for u in units[i:j])
                lay = vocabulary.lay.get(key, ()) if vocabulary is not None else ()
                if key in synonyms or lay:
                    for other in synonyms.get(key, ()):
                        expand(key, other, 1.0, True)
                    for term in lay:
                        expand(key, term, LAY_WEIGHT, True)
                    source_of[i:j] = [key] * (j - i)
                    if j - i > 1:   # the run's own words, as one term of several words
                        if not lay:
                            expand(key, key, 1.0, True)
                        skip.update(range(i, j))
                    elif lay and not df("text", key):
                        skip.add(i)
                    i = j - 1
                    break
            i += 1
        for n, unit in enumerate(units):
            source = source_of[n]
            if learned:
                for term, weight in learned.get(unit.word, ()):
                    expand(unit.word, term, LEARNED_WEIGHT * weight, False)
            if n in skip:
                continue
            if df("text", unit.word):
                weight = 1.0 if len(unit.word) > 1 else SINGLE_CHARACTER_WEIGHT
                add(unit.word, weight * necessity.get(unit.word, 1.0) ** NECESSITY_EXPONENT, source)
                if len(unit.subwords) > 1:
                    for w in unit.subwords:
                        if df("text", w):
                            add(w, SUBWORD_WEIGHT, source, holds=False)
                continue
            pieces = unit.subwords if unit.subwords and all(df("text", w) for w in unit.subwords) else None
            if pieces is None and len(unit.word) > 1:
                pieces = compiler.pieces(unit.word)
                if len(pieces) < 2 or not all(df("text", w) for w in pieces):
                    pieces = None
            for w in pieces or ():
                add(w, 1.0 / len(pieces), source, pieces=len(pieces), group=f"{source}:{unit.word}")
            if not pieces:
                add(unit.word, 0.0, source)   # found nowhere: counted as a word, matching nothing
    expanded = {k: v for k, v in expanded.items() if v}
    return Analysed(list(out.values()), expanded, is_question, asked_words(every_unit, question_words) if widen else [],
                    keywords)


def asked_words(units, question_words) -> list[str]:
    """A question's words as matched against what readers asked (asked.py): whole words of two
    characters or more, question words left out, whether or not the statutes use them."""
    return list(dict.fromkeys(u.word for u in units if len(u.word) > 1 and u.word.strip() and u.word not in question_words))


class ArticleRanker:
    """Ranks one generation's units; shared by its threads (the arrays are read-only)."""

    def __init__(self, units: Units, category_of_unit: list[str | None], replaced: np.ndarray | None = None):
        """replaced: per unit, whether a newer document of the collection repeals its document (or
        the law it interprets: arrange.repeals)."""
        self.units = units
        factors = np.ones(units.count)
        for i, cat in enumerate(category_of_unit):
            if cat is not None:
                factors[i] = AUTHORITY.get(cat, 1.0)
        if replaced is not None:   # the law in force before what it replaced
            factors[replaced] *= REPLACED_FACTOR
        self.authority = factors
        self._scored = evaluate.LRU(MAX_CACHED_SCORES, lambda found: len(found.ids) + len(found.doc_ids))

    def term_scores(self, postings, searcher, terms: list[Term]):
        """Per unit: BM25 over the terms, and how many of the reader's words it holds. A word the
        index never saw counts only where all its pieces stand together in one unit."""
        u = self.units
        acc = np.zeros(u.count)
        doc = np.zeros(len(u.doc_length)) if DOC_WEIGHT else None
        sources: dict[str, np.ndarray] = {}
        pieces: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term in terms:
            ids, unit_bm25, doc_ids, doc_bm25 = self.scored(postings, searcher, term.word)
            if not len(ids):
                continue
            scores = term.weight * unit_bm25
            if doc is not None and term.pieces == 1 and term.holds and len(term.word) > 1:
                # a document's evidence from whole words: one character (天, 告) says nothing of a document
                doc[doc_ids] += term.weight * doc_bm25
            if term.pieces > 1:
                part, count = pieces.setdefault(term.group, (np.zeros(u.count), np.zeros(u.count, np.int32)))
                part[ids] += scores
                count[ids] += 1
                continue
            acc[ids] += scores
            if term.holds:
                sources.setdefault(term.source, np.zeros(u.count, dtype=bool))[ids] = True
        groups = {t.group: t for t in terms if t.pieces > 1}
        for group, (part, count) in pieces.items():
            whole = count == groups[group].pieces
            slop = groups[group].together
            if slop and whole.any():   # elsewhere in the unit, its words are evidence, not the term
                words = [t.word for t in sorted((t for t in terms if t.group == group), key=lambda t: t.at)]
                near = self.together(postings, searcher, words, slop)
                scattered = whole & ~near
                acc[scattered] += SCATTERED_WEIGHT * part[scattered]
                whole &= near
            acc[whole] += part[whole]
            if groups[group].holds:
                sources.setdefault(groups[group].source, np.zeros(u.count, dtype=bool))[whole] = True
        held = np.zeros(u.count, dtype=np.int32)
        for found in sources.values():
            held += found
        if doc is not None:
            acc = np.where(acc > 0, acc + DOC_WEIGHT * doc[u.doc_of], 0.0)
        return acc, held

    def together(self, postings, searcher, words: list[str], slop: int) -> np.ndarray:
        """Per unit: whether a clause of it holds the words in this order, each at most slop after
        the one before (a phrase over the clauses' positions)."""
        ids = evaluate.Evaluator(postings, searcher).ids(Q.Phrase("text", words, slop=slop))
        found = np.zeros(self.units.count, dtype=bool)
        found[self.units.unit_of[ids]] = True
        return found

    def scored(self, postings, searcher, word: str) -> ScoredTerm:
        """The word's BM25 in each unit and each document holding it, at weight 1: the same for
        every query, so computed once per generation (within the units' posting cache budget)."""
        def make():
            u = self.units
            ids, tf, _, _ = u.term(postings, searcher, "text", word.encode("utf-8"))
            if not len(ids):
                return ScoredTerm(ids, np.empty(0), np.empty(0, np.int32), np.empty(0))
            doc = u.doc_bm25(ids, tf, K1, DOC_B)
            doc_ids = np.flatnonzero(doc).astype(np.int32)
            return ScoredTerm(ids, u.bm25(ids, tf, u.idf(len(ids)), K1, B), doc_ids, doc[doc_ids])
        return self._scored.get(word, make)

    def rank(self, postings, searcher, terms, strict_clauses, strict_scores, allowed_units, masked_units,
             authority=True, window=200, partial=True, excluded=None, plain=True,
             question=False, bonus_match=None, first=None, asked=None, facts=None, keywords=None) -> Ranked:
        """strict_clauses/scores: the compiled query's clause match; allowed/masked: unit filters;
        plain: the query is words only, so a unit holding every word (or its lay terms) is a full
        match; partial: whether units short of that may be added; question: the reader asked in
        their own words (a question word was typed), so the results are one ranked list;
        excluded: clauses holding an excluded word (sorted): their units are never added as partial
        matches, and a unit is no match at all when no other clause of it holds a query word;
        bonus_match: a clause match (ids, scores) whose best score a unit adds (a named law's articles);
        first: units shown before all others, in this order (the articles of a document the query names);
        asked: per unit, the question's score against what readers asked it (a candidate of its own);
        facts: (per unit, the answer types it states; the types the question asks for), as bits;
        keywords: how many keywords the query has (Analysed.keywords; default: its words)."""
        u = self.units
        acc, held = self.term_scores(postings, searcher, terms)
        if asked is not None:
            acc = acc + ASKED_WEIGHT * asked
            held = np.where((held == 0) & (asked > 0), 1, held)
        n_sources = len({t.source for t in terms})
        unknown = len({t.source for t in terms} - {t.source for t in terms if t.weight > 0})
        strict = np.zeros(u.count, dtype=bool)
        bonus = np.zeros(u.count)
        if len(strict_clauses):
            owners = u.unit_of[strict_clauses]
            strict[owners] = True
            np.maximum.at(bonus, owners, strict_scores)
        ok = u.live.copy()
        if allowed_units is not None:
            keep = np.zeros(u.count, dtype=bool)
            keep[allowed_units] = True
            ok &= keep
        if masked_units is not None and len(masked_units):
            ok[masked_units] = False
        if excluded is not None and len(excluded):   # the query as written (its titles too) or a word's clause
            ok &= strict | self.reachable(postings, searcher, terms, excluded)
        strict &= ok
        if plain:   # a unit holding every word is a full match, wherever they stand in it
            strict |= ok & (held >= n_sources) & (acc > 0)
        score = acc + STRICT_BONUS * bonus * strict
        if bonus_match is not None and len(bonus_match[0]):
            named = np.zeros(u.count)
            np.maximum.at(named, u.unit_of[bonus_match[0]], bonus_match[1])
            score += TITLE_BONUS * named
        if authority:
            score = score * self.authority
        if facts is not None and facts[1]:   # it asks 多久: the articles stating a length of time
            score = score * np.where(facts[0] & facts[1], 1.0 + ANSWER_TYPE_BONUS, 1.0)
        n_strict = int(strict.sum())
        short = is_short(n_sources if keywords is None else keywords, question)
        if short and unknown:   # a short query naming something the collection never mentions
            partial = False
        candidates = ok & (acc > 0) & (held >= words_needed(n_sources - unknown))
        if excluded is not None and len(excluded):
            candidates[u.unit_of[excluded]] = False
        if not partial or (short and n_strict >= PAD_BELOW):
            candidates = strict
        else:
            candidates |= strict
        if first is not None and len(first):
            first = first[ok[first]]
            strict[first] = True
            candidates[first] = True
            n_strict = int(strict.sum())
        matched = np.flatnonzero(candidates)
        relaxed = bool(len(matched) > n_strict)
        if short:   # strict first, then the partial matches by score
            key = score[matched] + np.where(strict[matched], _ceiling(score), 0.0)
        else:
            key = score[matched]
        if first is not None and len(first):   # above every score, in the order given
            place = np.zeros(u.count)
            place[first] = np.arange(len(first), 0, -1)
            key = np.where(place[matched] > 0, 2 * _ceiling(key) + place[matched], key)
        order = matched[_best_first(key, matched, window)]
        return Ranked(order, score[order], strict[order], len(matched), matched, relaxed, terms)

    def reachable(self, postings, searcher, terms: list[Term], excluded: np.ndarray) -> np.ndarray:
        """Units with a clause that holds a query word and no excluded one: the clause a hit can show."""
        u = self.units
        out = np.zeros(u.count, dtype=bool)
        for term in terms:
            if term.weight:
                clause_ids = u.term(postings, searcher, "text", term.word.encode("utf-8")).clause_ids
                out[u.unit_of[clause_ids[~evaluate.member(clause_ids, excluded)]]] = True
        return out

    def clause_scores(self, postings, searcher, terms: list[Term], units_clauses: list[np.ndarray]) -> list[np.ndarray]:
        """How well each clause of each unit (its clauses sorted) answers the terms: BM25 among the
        unit's clauses, so a hit shows the sentence that holds the most of the query, not merely the
        shortest. The units shown on a page are scored together: one pass over the terms."""
        u = self.units
        sizes = [len(c) for c in units_clauses]
        if not sum(sizes):
            return [np.zeros(0) for _ in units_clauses]
        every = np.concatenate(units_clauses)   # sorted within each unit, not across them
        unit = np.repeat(np.arange(len(sizes)), sizes)
        lengths = u.clause_length[every]
        weight = np.zeros(len(every))
        for term in terms:
            if not term.weight:
                continue
            found = u.term(postings, searcher, "text", term.word.encode("utf-8"))
            inside = evaluate.member(every, found.clause_ids)
            if not inside.any():
                continue
            tf = found.clause_tf[np.searchsorted(found.clause_ids, every[inside])]
            # a unit's clauses against each other: the average length is that of its clauses holding the term
            owner = unit[inside]
            mean = np.bincount(owner, lengths[inside], len(sizes)) / np.maximum(np.bincount(owner, None, len(sizes)), 1)
            weight[inside] += term.weight * u.clause_bm25(every[inside], tf, u.idf(len(found.ids)), K1, B, mean[owner])
        return np.split(weight, np.cumsum(sizes)[:-1])


def _ceiling(score: np.ndarray) -> float:
    return float(score.max()) + 1.0 if len(score) else 1.0


def _best_first(key: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k best keys, best first; ties in unit order (deterministic)."""
    if not len(key):
        return np.empty(0, dtype=np.int64)
    if len(key) > k:
        edge = np.partition(key, len(key) - k)[len(key) - k]
        pick = np.flatnonzero(key >= edge)
    else:
        pick = np.arange(len(key))
    order = np.lexsort((ids[pick], -np.round(key[pick], 9)))[:k]
    return pick[order]


def is_short(analysed_or_n, question=None) -> bool:
    """A keyword query (every word wanted) rather than a question in the reader's own words."""
    if isinstance(analysed_or_n, Analysed):
        return is_short(analysed_or_n.keywords, analysed_or_n.question)
    return analysed_or_n <= SHORT_QUERY_TERMS and not question


def words_needed(n: int) -> int:
    """How many of a query's n words (found in the collection) a partial match must hold."""
    return 1 if n <= 2 else max(1, math.ceil(MIN_SHARE * n))


def authority_applies(filters: dict, named_documents: bool) -> bool:
    return not named_documents and not any(filters.get(k) for k in AUTHORITY_FREE_FILTERS)

