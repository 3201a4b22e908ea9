"""A parsed query → the engine's query tree (indexer/engine/query.py), through the same analyzer the index used.

A query word becomes *units*, one per jieba precise-mode word; a unit matches its word or all of
its dictionary sub-words (so 专利权 in the query finds 专利权, and 专利 finds 专利权), in any of the
weighted fields. Synonym groups widen a unit run to each equivalent term. Units are ANDed.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from indexer.engine import query as Q
from indexer.engine.schema import CONTEXT_FIELDS, FIELD_WEIGHTS
from indexer.numerals import ARTICLE_RE, NUMERAL_CHARS, article_label

from .query import ParsedQuery, QueryError, Word

PHRASE_FIELDS = ("text", "measure_title", "chapter")
CONTEXT_SCORE = 3.0     # a word of a clause's document title or department: a fixed score × field weight
MAX_CONTEXT_NAMES = 300  # a word in more titles or department names than this names none of them
SHORT_TITLE_SCORE = 10.0  # a query word that is a law's short title: that law's clauses first
PROXIMITY_BOOST = 0.5   # bonus weight when a query's words stand together in the clause text
RELAX_SHARE = 0.6       # a relaxed query needs this share of its words matched
BROADER_WEIGHT = 0.5    # a broader term (专利 => 知识产权) counts half
COMMON_SHARE = 0.02     # a word in more than this share of clauses is too common to relax onto
MAX_RELAX_TERMS = 6    # C(6, 4) = 15 combinations at most
MAX_COMMON_RELAX_TERMS = 4
MAX_PROXIMITY_WORDS = 8
MAX_CACHED_TEXTS = 20_000   # texts whose analysis a compiler keeps (one compiler a thread)
# a document's name with an article number after it, 第 left out (劳动合同法47条, 刑法 二十条)
NAMED_ARTICLE_RE = re.compile(rf"(?P<name>.*?)\s*第?\s*(?P<n>[{NUMERAL_CHARS}]+|\d+)\s*条(?:之(?P<sub>[{NUMERAL_CHARS}]+|\d+))?")
NAME_MARKS = str.maketrans("", "", "《》〈〉 \u3000")


def _matches_nothing(q: Q.Query) -> bool:
    return q is Q.NullQuery or (isinstance(q, Q.And) and any(_matches_nothing(s) for s in q.subqueries))


@dataclass
class Unit:
    word: str
    subwords: list[str] = field(default_factory=list)
    pos: int = 0


@dataclass
class Compiled:
    query: Q.Query
    terms: set[str]                 # index terms to highlight
    units: list[Unit]               # plain word units, for relaxation
    relaxable: bool
    restrict: Q.Query | None = None  # extra filter (a relaxed query's minimum share of words)
    plain: bool = False             # plain words only: no phrase, article reference or OR


class QueryCompiler:
    def __init__(self, analyzer, synonyms, reader, question_words=(), context=None, frequencies=None):
        """frequencies: a dict for document frequencies, shared by the compilers of one index
        generation (one per thread)."""
        self.analyzer = analyzer
        self.context = context or {}   # CONTEXT_FIELDS name → {word: names holding it}
        self.short_titles = self.context.get("short_titles", {})   # a title, or it without 中华人民共和国 → ids
        self.normalize = analyzer[0].normalizer   # the pipeline's tokenizer normalises
        self.reader = reader
        self._df: dict[tuple[str, str], int] = {} if frequencies is None else frequencies
        self._units: dict[str, tuple] = {}   # text → its analysis (units())
        self.question_words = frozenset(question_words)
        self.synonyms: dict[str, list[str]] = {}
        self.broader: dict[str, list[str]] = {}
        for narrow, broad in synonyms.get("broader", []):
            for term in narrow:
                self.broader.setdefault(self.normalize(term), []).extend(self.normalize(b) for b in broad)
        for group in synonyms.get("groups", []):
            normalized = [self.normalize(t) for t in group]
            for term in normalized:
                self.synonyms.setdefault(term, [])
                self.synonyms[term] += [t for t in normalized if t != term and t not in self.synonyms[term]]

    def doc_frequency(self, fieldname: str, word: str) -> int:
        """Whoosh's term lookup walks its on-disk table each time; queries ask for the same words."""
        key = (fieldname, word)
        found = self._df.get(key)
        if found is None:
            if len(self._df) > 200_000:   # bounded: readers' words are unbounded
                self._df.clear()
            found = self._df[key] = self.reader.doc_frequency(fieldname, word)
        return found

    # -- analysis ----------------------------------------------------------------------------
    def pieces(self, word: str) -> list[str]:
        """The jieba dictionary pieces of a word (with the index generation's own dictionary)."""
        return self.analyzer[0].pieces(word)

    def units(self, text: str) -> list[Unit]:
        """The text's query-mode words with their sub-words (fresh objects: callers may change them).
        Kept per compiler: a query's words are analysed for the compiled query and again for the
        ranking, and readers' words recur."""
        cache = self._units
        found = cache.get(text)
        if found is None:
            units: list[Unit] = []
            for t in self.analyzer(text, positions=True, mode="query"):
                if t.subword and units and units[-1].pos == t.pos:
                    units[-1].subwords.append(t.text)
                elif not t.subword:
                    units.append(Unit(t.text, [], t.pos))
            if len(cache) >= MAX_CACHED_TEXTS:
                cache.clear()
            found = cache[text] = tuple((u.word, tuple(u.subwords), u.pos) for u in units)
        return [Unit(word, list(subwords), pos) for word, subwords, pos in found]

    # -- building blocks ---------------------------------------------------------------------
    def unit_query(self, unit: Unit, terms: set[str], fields=None, broader=False, broad=False) -> Q.Query:
        """The unit's word, or all its sub-words, or (an unknown word) its dictionary pieces;
        with broader, also its broader terms at BROADER_WEIGHT."""
        q = self._unit_query(unit, terms, fields, broad)
        wider = self.broader.get(unit.word, []) if broader else []
        if not wider:
            return q
        alts = [self.units_query_plain(self.units(b), terms, fields) for b in wider]
        return Q.Or([q] + [a.with_boost(BROADER_WEIGHT) for a in alts])

    def _unit_query(self, unit: Unit, terms: set[str], fields=None, broad=False) -> Q.Query:
        """Per field, the first alternative the field holds at all: the word itself (inside longer
        words it is indexed as a sub-word, so this finds 知识产权 in 知识产权质押); else, for a word
        the field never saw whole, all its sub-words, or its dictionary pieces."""
        pieces = None
        per_field = []
        for fname in (fields or FIELD_WEIGHTS):
            if fname in CONTEXT_FIELDS:
                names = self.context.get(fname, {})
                df = lambda f, w: len(names.get(w, ()))  # noqa: E731
            else:
                df = self.doc_frequency
            if df(fname, unit.word):
                alt = [unit.word]
            elif unit.subwords and all(df(fname, w) for w in unit.subwords):
                alt = unit.subwords
            else:
                if pieces is None:
                    pieces = self.pieces(unit.word) if len(unit.word) > 1 else []
                if len(pieces) < 2 or not all(df(fname, w) for w in pieces):
                    continue
                alt = pieces
            if fname in CONTEXT_FIELDS:
                q = self.context_query(fname, alt, broad)
                if q is None:
                    continue
            else:
                # boosts given to the constructors: with_boost copies the query
                weight = FIELD_WEIGHTS[fname]
                q = Q.Term(fname, alt[0], boost=weight) if len(alt) == 1 else \
                    Q.And([Q.Term(fname, w) for w in alt], boost=weight)
            terms.update(alt)
            per_field.append(q)
        if not per_field:
            return Q.NullQuery
        return Q.Or(per_field) if len(per_field) > 1 else per_field[0]

    def context_query(self, fname: str, words: list[str], broad=False) -> Q.Query | None:
        """Clauses whose document title (or department name) holds all these words, at a fixed score;
        unless broad (a filter), a word common to many names is no reference to any of them."""
        names = self.context[fname]
        found = set.intersection(*(names.get(w, set()) for w in words))
        if not found or (len(found) > MAX_CONTEXT_NAMES and not broad):
            return None
        clause_field = CONTEXT_FIELDS[fname]
        q = Q.Or([Q.Term(clause_field, n) for n in sorted(found)]) if len(found) > 1 else Q.Term(clause_field, found.pop())
        return Q.ConstantScoreQuery(q, CONTEXT_SCORE * FIELD_WEIGHTS[fname])

    def units_query(self, units: list[Unit], terms: set[str], fields=None, broad=False) -> Q.Query:
        """All units, each widened by its synonym group where one applies."""
        parts, i = [], 0
        while i < len(units):
            for j in range(min(len(units), i + 8), i, -1):
                key = "".join(u.word for u in units[i:j])
                if key in self.synonyms:
                    alts = [self.units_query_plain(units[i:j], terms, fields, broad)]
                    for other in self.synonyms[key]:
                        other_units = self.units(other)
                        if other_units:
                            alts.append(self.units_query_plain(other_units, terms, fields, broad))
                    parts.append(Q.Or(alts))
                    i = j
                    break
            else:
                parts.append(self.unit_query(units[i], terms, fields, broad=broad))
                i += 1
        return parts[0] if len(parts) == 1 else Q.And(parts)

    def units_query_plain(self, units, terms, fields=None, broad=False):
        qs = [self.unit_query(u, terms, fields, broad=broad) for u in units]
        return qs[0] if len(qs) == 1 else Q.And(qs)

    def phrase_query(self, text: str, terms: set[str]) -> Q.Query | None:
        # the analyzer reuses one Token object: copy text and position out as they pass
        tokens = [(t.text, t.pos) for t in self.analyzer(text, positions=True, mode="phrase") if not t.subword]
        if not tokens:
            return None
        if len(tokens) == 1:
            return self.unit_query(self.units(text)[0], terms)
        words = [w for w, _ in tokens]
        gaps = [b[1] - a[1] for a, b in zip(tokens, tokens[1:])]
        terms.update(words)
        return Q.Or([Q.Phrase(f, words, slop=max(gaps), boost=FIELD_WEIGHTS[f]) for f in PHRASE_FIELDS])

    def word_query(self, word: Word, terms: set[str], fields=None) -> Q.Query | None:
        """A word's query; with fields, in those fields when it occurs there at all."""
        label = article_label(self.normalize(word.text)) if self.is_article(word) else None
        if label:
            return Q.Term("article", label)
        if word.phrase:
            return self.phrase_query(word.text, terms)
        units = self.units(word.text)
        if not units:
            return None
        if fields:
            narrowed: set[str] = set()
            q = self.units_query(units, narrowed, fields)
            if not _matches_nothing(q):
                terms |= narrowed
                return q
        return self.units_query(units, terms)

    def negative_query(self, word: Word) -> Q.Query | None:
        """An excluded word excludes clauses whose own text holds it (not their measure's title)."""
        if word.phrase:
            tokens = [t.text for t in self.analyzer(word.text, mode="phrase") if not t.subword]
            if len(tokens) > 1:
                return Q.Phrase("text", tokens)
        units = self.units(word.text)
        return self.units_query_plain(units, set(), fields=("text",)) if units else None

    def proximity(self, units: list[Unit]) -> Q.Query | None:
        """Rewards clauses whose text holds the query's words side by side, in order."""
        words = [u.word for u in units][:MAX_PROXIMITY_WORDS]
        if len(words) < 2:
            return None
        return Q.Phrase("text", words, slop=2, boost=PROXIMITY_BOOST * len(words))

    # -- whole queries -----------------------------------------------------------------------
    def is_article(self, word: Word) -> bool:
        return not word.phrase and ARTICLE_RE.fullmatch(self.normalize(word.text).strip()) is not None

    def named_documents(self, text: str) -> set[str]:
        """The documents a word names by their whole title or short title (劳动合同法,
        中华人民共和国产品质量法, 《劳动合同法实施条例》, a judicial interpretation's title)."""
        return set(self.short_titles.get(self.normalize(text).translate(NAME_MARKS), ()))

    def split_articles(self, parsed: ParsedQuery) -> ParsedQuery:
        """劳动合同法第三十九条 typed as one word: the law's name and the article reference apart;
        after a document's name, 第 may be left out (劳动合同法47条, 劳动合同法 47条)."""
        groups: list[list[Word]] = []
        for group in parsed.groups:
            word = group[0]
            if len(group) != 1 or word.phrase:
                groups.append(group)
                continue
            text = self.normalize(word.text)
            named = NAMED_ARTICLE_RE.fullmatch(text.strip())
            if named and not text.strip().startswith("第"):
                name = named["name"].strip()
                follows = not name and groups and len(groups[-1]) == 1 and self.named_documents(groups[-1][0].text)
                if (name and self.named_documents(name)) or follows:
                    label = f"第{named['n']}条" + (f"之{named['sub']}" if named["sub"] else "")
                    groups += [[Word(p)] for p in (name, label) if p]
                    continue
            m = ARTICLE_RE.search(text)
            if m is None or self.is_article(word):
                groups.append(group)
                continue
            parts = [word.text[:m.start()], word.text[m.start():m.end()], word.text[m.end():]]
            groups += [[Word(p.strip())] for p in parts if p.strip()]
        return ParsedQuery(groups, parsed.negated, parsed.filters)

    def naming_groups(self, parsed: ParsedQuery) -> dict[int, set[str]]:
        """Next to an article reference: the groups that name documents (group index → ids)."""
        if not any(len(g) == 1 and self.is_article(g[0]) for g in parsed.groups):
            return {}
        found = {}
        for i, group in enumerate(parsed.groups):
            if len(group) == 1 and not group[0].phrase and not self.is_article(group[0]):
                docs = self.named_documents(group[0].text)
                if docs:
                    found[i] = docs
        return found

    def title_boost(self, parsed: ParsedQuery) -> Q.Query | None:
        """A word that is a document's short title (刑法 for 中华人民共和国刑法) ranks that document's
        clauses first: readers name laws by short title, and other laws merely cite it."""
        docs = set()
        for group in parsed.groups:
            if len(group) == 1 and not group[0].phrase:
                docs |= self.named_documents(group[0].text)
        if not docs:
            return None
        q = Q.Or([Q.Term("doc_id", d) for d in sorted(docs)]) if len(docs) > 1 else Q.Term("doc_id", docs.pop())
        return Q.ConstantScoreQuery(q, SHORT_TITLE_SCORE)

    def compile(self, parsed: ParsedQuery) -> Compiled:
        parsed = self.split_articles(parsed)
        terms: set[str] = set()
        required, plain_units = [], []
        # next to an article reference, the other words name the document (中小企业促进法 第二十条)
        naming = ("doc_title",) if any(len(g) == 1 and self.is_article(g[0]) for g in parsed.groups) else None
        named = self.naming_groups(parsed)   # a document named by its title is that document only
        for i, group in enumerate(parsed.groups):
            if i in named:
                docs = sorted(named[i])
                required.append(Q.Or([Q.Term("doc_id", d) for d in docs]) if len(docs) > 1 else Q.Term("doc_id", docs[0]))
                continue
            options = [q for q in (self.word_query(w, terms, naming) for w in group) if q is not None]
            if options:
                required.append(options[0] if len(options) == 1 else Q.Or(options))
            if len(group) == 1 and not group[0].phrase and not self.is_article(group[0]):
                plain_units += self.units(group[0].text)
        if not required and parsed.groups and not parsed.filters:   # with a filter, the filter alone stands
            raise QueryError("检索式中没有可检索的词，只有标点或虚词 (no searchable words: only punctuation or function words such as 的、和)")
        if not required:
            base: Q.Query = Q.Every()   # filters alone: every clause they allow
        else:
            base = required[0] if len(required) == 1 else Q.And(required)
        for bonus in (self.proximity(plain_units), self.title_boost(parsed)):
            if bonus is not None:
                base = Q.AndMaybe(base, bonus)
        negatives = [q for q in (self.negative_query(w) for w in parsed.negated) if q is not None]
        if negatives:
            base = Q.AndNot(base, Q.Or(negatives) if len(negatives) > 1 else negatives[0])
        only_plain = all(len(g) == 1 and not g[0].phrase and not self.is_article(g[0]) for g in parsed.groups)
        relaxable = only_plain and (len(plain_units) >= 2 or any(len(u.subwords) > 1 for u in plain_units))
        return Compiled(base, terms, plain_units, relaxable, plain=only_plain and bool(parsed.groups))

    def relaxations(self, parsed: ParsedQuery, compiled: Compiled):
        """Looser forms of a query: without question words, then a ranked OR of its terms.

        The OR counts a compound's sub-words as terms of their own (应收账款 → 应收, 账款) and needs
        RELAX_SHARE of them; the whole words still add to the score.
        """
        units = compiled.units
        content = [u for u in units if u.word not in self.question_words]
        known = [u for u in content if self.unit_query(u, set()) is not Q.NullQuery]
        if len(known) >= 2 and 2 * len(known) >= len(content):
            content = known   # a word found nowhere cannot help, when most of the others are found
        negatives = [q for q in (self.negative_query(w) for w in parsed.negated) if q is not None]

        def finish(q):
            return Q.AndNot(q, Q.Or(negatives)) if negatives else q

        if content and len(content) < len(units):
            terms: set[str] = set()
            q = self.units_query(content, terms)
            prox = self.proximity(content)
            yield Compiled(finish(Q.AndMaybe(q, prox) if prox else q), terms, content, False)
        pieces = []
        for u in content:
            for w in (u.subwords if len(u.subwords) > 1 else [u.word]):
                if w not in pieces:
                    pieces.append(w)
        if any(len(p) > 1 for p in pieces):   # single characters are too common to relax onto
            pieces = [p for p in pieces if len(p) > 1]
        common = self.reader.doc_count() * COMMON_SHARE
        rare = [p for p in pieces if self.doc_frequency("text", p) <= common]
        if len(rare) >= 2:   # so are words in a large share of all clauses (企业, 规定)
            pieces = rare
        else:                # all common: the few rarest of them
            pieces = sorted(pieces, key=lambda p: self.doc_frequency("text", p))[:MAX_COMMON_RELAX_TERMS]
        pieces = [p for p in pieces if self.unit_query(Unit(p), set()) is not Q.NullQuery]
        if len(pieces) > MAX_RELAX_TERMS:   # the rarest say most and cost least
            pieces = sorted(pieces, key=lambda p: self.doc_frequency("text", p))[:MAX_RELAX_TERMS]
        if len(pieces) >= 2 or any(p in self.broader for p in pieces):
            terms = set()
            parts = [self.unit_query(Unit(w), terms, broader=True) for w in pieces]
            need = max(1, math.ceil(RELAX_SHARE * len(parts)))
            restrict = Q.Or(parts, min_match=need)
            whole = [self.unit_query(Unit(u.word), terms) for u in content if u.word not in pieces]
            yield Compiled(finish(Q.Or(parts + whole)), terms, content, False, restrict)
