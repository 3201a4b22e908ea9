"""The search library the CLI, the API and the pages share: parse → compile → rank → highlight.

A `Searcher` follows the index folder's CURRENT pointer: a rebuilt or updated index is picked up
by the next request, without a restart, while requests in flight finish on the generation they
started with. Whoosh searchers are kept one per thread.
"""
from __future__ import annotations

import functools
import json
import threading
import time
from pathlib import Path

import numpy as np

from indexer import checksums, facts
from indexer.engine import evaluate
from indexer.engine import index as whoosh_index   # the engine opens indexes (its patches installed)
from indexer.engine import query as Q
from indexer.engine import scoring, term_arrays
from indexer.engine.scoring import BM25_B, BM25_K1
from indexer.numerals import article_label
from indexer.resources import asked_words, learned_terms, question_words
from indexer.store import IndexStore

from . import arrange, ranking, spelling
from .asked import AskedWords
from .compile import NAME_MARKS, QueryCompiler
from .units import Units
from .highlight import highlight
from .limits import MAX_PAGE, MAX_PER_PAGE
from .query import QueryError, parse

__all__ = ["Searcher", "QueryError", "IndexUnavailable"]

PER_DOCUMENT = 4     # at most this many units of one document in the first CROWDED_PLACES places
CROWDED_PLACES = 10  # (one long law does not fill the first page)
MAX_MORE_CLAUSES = 3  # a hit's other matching clauses listed with it
RERANK_WINDOW = 200
RESULT_CACHE_SIZE = 512   # results kept per index generation
RESULT_CACHE_BYTES = 32_000_000   # … and their text, about: a result counts its hits' characters × 4
FILTER_CACHE_SIZE = 256   # filters' clause sets kept per index generation
FILTER_CACHE_BYTES = 64_000_000   # … and the bytes of their arrays (a broad filter holds 400k ids)
RETIRE_SECONDS = 60  # a replaced generation still in use is closed this long after the switch at most
PENDING_SECONDS = 30  # /healthz compares the corpus with the live index at most this often
# filters on document metadata, resolved through the manifest: query key → meta key
DOC_META_FILTERS = {"number": "doc_number", "issuer": "issuer", "year": "date"}
# result facets: (name in the result, index field, most values listed)
FACETS = (("departments", "dept", None), ("categories", "category", None), ("provinces", "province", None),
          ("documents", "doc_id", 20))


class IndexUnavailable(RuntimeError):
    """No usable index; the message says what is wrong and how to rebuild."""


class _Generation:
    """One opened index generation with what searching it needs."""

    def __init__(self, path: Path):
        self.path = path
        self.damage: str | None = None   # set when its files fail their checksums: every request 503
        self._checking = threading.Lock()
        try:
            self.checked = checksums.check_sizes(path)      # a stat a file here; every byte below
            self.index = whoosh_index.open_dir(str(path))
            self.manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
            self.synonyms = json.loads((path / "synonyms.json").read_text(encoding="utf-8"))
            self.analyzer = self.index.schema["text"].analyzer
            self.normalizer = self.analyzer[0].normalizer
            self.index.searcher().close()   # opens every segment now: damage shows here, not per request
            self.term_arrays = term_arrays.open_all(path)   # mapped, their headers and lengths checked
        except checksums.IndexDamaged as exc:
            raise IndexUnavailable(str(exc)) from exc
        except Exception as exc:  # any damage to the folder: report, never crash the server
            try:
                checksums.verify(path)                    # the file to blame, when checksums can say
            except checksums.IndexDamaged as damage:
                raise IndexUnavailable(str(damage)) from exc
            except OSError:
                pass
            raise IndexUnavailable(f"the index at {path} cannot be opened ({type(exc).__name__}: {exc}); "
                                   f"rebuild it with: policy-index build") from exc
        self.verified_as = None          # the files' identity when last read back against checksums
        self.local = threading.local()
        self._opened: list = []          # every per-thread searcher, to close when retired
        self.results = evaluate.LRU(RESULT_CACHE_BYTES, _result_bytes, RESULT_CACHE_SIZE)  # recent results
        self.frequencies: dict = {}                        # (field, word) → document frequency
        # one filter's query → its allowed clause ids (a query's filters are intersected from these)
        self._filters = evaluate.LRU(FILTER_CACHE_BYTES, lambda ids: evaluate.ENTRY_BYTES + ids.nbytes,
                                     FILTER_CACHE_SIZE)
        self.postings = evaluate.Postings(B=BM25_B, K1=BM25_K1, arrays=self.term_arrays)
        self._opened_lock = threading.Lock()
        self.question_words = frozenset(question_words())
        self.vocabulary = ranking.Vocabulary(self.normalizer, self.synonyms.get("lay", ()), learned_terms())
        self.users, self.retired, self.released = 0, False, False   # requests on it; replaced; closed
        self.timer = None                # closes it RETIRE_SECONDS after it was replaced, at the latest
        self.titles = sorted({t for d in self.manifest["documents"].values()
                              for t in [d["title"], *d.get("measure_titles", [])]})

    # -- checksums ----------------------------------------------------------------------------
    def verify(self) -> str | None:
        """Read every file back against its checksums, unless done since they last changed (their
        inode, size and time); the damage found (also kept in self.damage) or None."""
        with self._checking:
            now = checksums.identity(self.path)
            if self.damage is None and now != self.verified_as:
                try:
                    self.checked = checksums.verify(self.path)
                except checksums.IndexDamaged as exc:
                    self.damage = str(exc)
                self.verified_as = now
        return self.damage

    def verify_later(self) -> None:
        """verify() in a background thread: opening stays fast, and a damaged generation starts
        answering 503 within about a second (0.5 s for the 360 MB law index)."""
        threading.Thread(target=self.verify, name=f"verify {self.path.name}", daemon=True).start()

    def searcher(self):
        s = getattr(self.local, "searcher", None)
        if s is None:
            s = self.local.searcher = self.index.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1))
            with self._opened_lock:
                self._opened.append(s)
            self.local.compiler = QueryCompiler(self.analyzer, self.synonyms, s.reader(), self.question_words,
                                                self.context(), self.frequencies)
            self.local.evaluator = evaluate.Evaluator(self.postings, s)
        return s

    def evaluator(self) -> evaluate.Evaluator:
        self.searcher()
        return self.local.evaluator

    def allowed(self, q) -> np.ndarray:
        """The clause ids a filter query allows. Filters repeat across queries, so each one's ids
        are kept (not those of every combination typed), and several are intersected."""
        if isinstance(q, Q.And):
            parts = sorted((self.allowed(p) for p in q.subqueries), key=len)
            found = parts[0]
            for part in parts[1:]:
                found = np.intersect1d(found, part, assume_unique=True)
            return found
        return self._filters.get(q, lambda: self.evaluator().ids(q))

    def enter(self) -> bool:
        """Count a request on this generation; False when it was released already (use the new one)."""
        with self._opened_lock:
            if self.released:
                return False
            self.users += 1
            return True

    def leave(self) -> None:
        with self._opened_lock:
            self.users -= 1
            idle = self.retired and self.users == 0
        if idle:
            self.close()

    def retire(self) -> None:
        """It has been replaced: released as soon as no request uses it (now, if none does)."""
        with self._opened_lock:
            self.retired = True
            idle = self.users == 0
        if idle:
            self.close()

    def close(self) -> None:
        """Close the searchers this generation handed out (their files: a rebuild's deleted ones are
        freed on disk) and drop its caches (their memory), once it has been replaced."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
            self.released = True
            timer, self.timer = self.timer, None
        if timer is not None and timer is not threading.current_thread():
            timer.cancel()
        for s in opened:
            s.close()
        self.local = threading.local()
        self.results = evaluate.LRU(0)
        self._filters = evaluate.LRU(0)
        self.postings = evaluate.Postings(B=BM25_B, K1=BM25_K1, max_bytes=0)
        self.term_arrays = {}
        self.frequencies = {}
        for name in ("_facets", "_columns", "_historical", "_context", "_doctable", "_frequent", "_repealed",
                     "_duplicates", "_historical_or_duplicate", "_units", "_ranker", "_doc_valued"):
            self.__dict__.pop(name, None)

    def compiler(self) -> QueryCompiler:
        self.searcher()
        return self.local.compiler

    def context(self) -> dict[str, dict[str, set[str]]]:
        """Word → document ids whose title holds it, and word → department names holding it
        (schema.CONTEXT_FIELDS): analysed once per generation instead of once per clause."""
        found = getattr(self, "_context", None)
        if found is None:
            titles = {d: info["title"] for d, info in self.manifest["documents"].items()}
            reader = self.index.reader()
            try:
                depts = {t.decode("utf-8"): t.decode("utf-8") for t in reader.lexicon("dept")}
            finally:
                reader.close()
            short: dict[str, set[str]] = {}
            for doc_id, title in titles.items():
                whole = self.normalizer(title).strip()
                # 中华人民共和国民法典 婚姻家庭编: a part of a code is named by the code too
                for name in {whole.translate(NAME_MARKS), whole.split()[0].translate(NAME_MARKS) if whole else ""}:
                    for key in {name, name.removeprefix("中华人民共和国")} - {""}:
                        short.setdefault(key, set()).add(doc_id)
            found = self._context = {"doc_title": self._word_index(titles), "departments": self._word_index(depts),
                                     "short_titles": short}
        return found

    def _word_index(self, names: dict[str, str]) -> dict[str, set[str]]:
        index: dict[str, set[str]] = {}
        for key, text in names.items():
            for t in self.analyzer(text, mode="index"):
                index.setdefault(t.text, set()).add(key)
        return index

    def facet(self, fieldname: str) -> _Facet:
        """The field's values per clause, read once per generation from the postings (Whoosh's own
        overlapping facets rebuild this for every query)."""
        maps = self.__dict__.setdefault("_facets", {})
        found = maps.get(fieldname)
        if found is None:
            reader = self.searcher().reader()
            names, docs, values = [], [], []
            for term in reader.lexicon(fieldname):
                ids = np.fromiter(reader.postings(fieldname, term).all_ids(), dtype=np.int64)
                docs.append(ids)
                values.append(np.full(len(ids), len(names), dtype=np.int32))
                names.append(term.decode("utf-8"))
            found = maps[fieldname] = _Facet(names, docs, values, reader.doc_count_all())
        return found

    def documents_where(self, key: str, value: str) -> list[str]:
        """Ids of documents whose metadata value (doc_number, issuer, date) contains this text."""
        def norm(text):
            return self.normalizer(text).replace("[", "〔").replace("]", "〕")
        want = norm(value)
        return [doc_id for doc_id, d in self.manifest["documents"].items()
                if want in norm(str(d.get("meta", {}).get(key, "")))]

    def historical(self) -> np.ndarray:
        """Docnums of historical versions: the default mask, computed once per generation."""
        found = getattr(self, "_historical", None)
        if found is None:
            found = self._historical = self.evaluator().ids(Q.Term("historical", True))
        return found

    def duplicates(self) -> np.ndarray:
        """Docnums of documents whose file is byte for byte an earlier one's (a law filed under two
        categories): without a filter, one copy answers, so no article shows twice."""
        found = getattr(self, "_duplicates", None)
        if found is None:
            seen: set[str] = set()
            later = []
            for doc_id, summary in sorted(self.manifest["documents"].items()):
                digest = summary.get("sha256")
                if digest in seen:
                    later.append(doc_id)
                elif digest:
                    seen.add(digest)
            found = self._duplicates = (self.evaluator().ids(Q.Or([Q.Term("doc_id", d) for d in later]))
                                        if later else np.empty(0, np.int32))
        return found

    def document_facets(self) -> dict[str, np.ndarray]:
        """field → its value number per document, for the FACETS whose value is the document's
        (category, province, the document itself: checked on every unit), once per generation."""
        found = self.__dict__.get("_doc_valued")
        if found is None:
            u = self.units()
            _, first_unit = np.unique(u.doc_of, return_index=True)
            doc_clause = u.first[first_unit]   # (every document number has units: doc_of numbers them)
            found = {}
            for _, field, _ in FACETS:
                facet = self.facet(field)
                if facet.single is not None and len(doc_clause) == len(u.doc_length):
                    by_doc = facet.single[doc_clause]
                    if np.array_equal(facet.single[u.first], by_doc[u.doc_of]):
                        found[field] = by_doc
            self._doc_valued = found
        return found

    def count_facets(self, matched_units: np.ndarray) -> dict[str, dict[str, int]]:
        """FACETS counted over units (each by its first clause's values); a document's own values
        from one tally of the units per document, for all of them at once."""
        u = self.units()
        per_doc = self.document_facets()
        docs = np.bincount(u.doc_of[matched_units], minlength=len(u.doc_length)) if per_doc else None
        representatives = u.first[matched_units]
        out = {}
        for name, field, limit in FACETS:
            facet = self.facet(field)
            if field in per_doc:
                out[name] = facet.ranked(np.bincount(per_doc[field] + 1, weights=docs,
                                                     minlength=len(facet.names) + 1)[1:].astype(np.int64), limit)
            else:
                out[name] = facet.count(representatives, limit)
        return out

    def historical_or_duplicate(self) -> np.ndarray:
        """The mask of a query with no filter: computed once per generation, not per query."""
        found = getattr(self, "_historical_or_duplicate", None)
        if found is None:
            found = self._historical_or_duplicate = np.union1d(self.historical(), self.duplicates())
        return found

    def units(self) -> Units:
        """The articles and measures ranked as units: clause → unit arrays, once per generation."""
        found = getattr(self, "_units", None)
        if found is None:
            s = self.searcher()
            measure_of, doc_of = self.columns()
            found = self._units = Units(measure_of, doc_of, self.postings.lengths(s, "text"),
                                        self.postings.live(s))
        return found

    def unit_facts(self) -> np.ndarray:
        """Per unit, the answer types its clauses state (indexer/facts.py bits; none in an index
        built before the facts column)."""
        found = getattr(self, "_unit_facts", None)
        if found is None:
            units = self.units()
            found = np.zeros(units.count, dtype=np.uint8)
            reader = self.searcher().reader()
            if "facts" in reader.schema:
                np.bitwise_or.at(found, units.unit_of, evaluate.column_values(reader, "facts", np.uint8))
            self._unit_facts = found
        return found

    def asked(self) -> AskedWords:
        """What readers asked the articles (indexer/data/asked_words.tsv), on this generation's units."""
        found = getattr(self, "_asked", None)
        if found is None:
            units, s, docs = self.units(), self.searcher(), self.manifest["documents"]
            number = {doc_id: i for i, doc_id in enumerate(self.doctable().ids)}
            by_title: dict[str, list[int]] = {}
            for doc_id, summary in docs.items():
                if doc_id in number:
                    by_title.setdefault(self.normalizer(summary.get("title") or doc_id), []).append(number[doc_id])

            def units_of(title, article):
                wanted = by_title.get(self.normalizer(title))
                if not wanted:
                    return ()
                clauses, _ = self.postings.frequencies(s, "article", article.encode("utf-8"))
                found = units.lift(clauses)
                return found[np.isin(units.doc_of[found], wanted)]
            found = self._asked = AskedWords.build(asked_words(), units_of, self.normalizer)
        return found

    def ranker(self) -> ranking.ArticleRanker:
        found = getattr(self, "_ranker", None)
        if found is None:
            units = self.units()
            facet = self.facet("category")
            category = facet.single[units.first] if facet.single is not None else np.full(units.count, -1)
            found = self._ranker = ranking.ArticleRanker(
                units, [facet.names[c] if c >= 0 else None for c in category])
        return found

    def lexicon(self) -> spelling.Lexicon:
        found = getattr(self, "_frequent", None)
        if found is None:
            found = self._frequent = spelling.Lexicon(self.searcher().reader())
        return found

    def repealed(self) -> dict:
        """doc_id → the newer document of the collection that repeals it (arrange.repeals), read once
        from the clauses holding 废止."""
        found = getattr(self, "_repealed", None)
        if found is None:
            s = self.searcher()
            ids = self.evaluator().ids(Q.Term("text", "废止"))
            texts = ((f["doc_id"], f["text"]) for f in map(s.stored_fields, ids.tolist()))
            found = self._repealed = arrange.repeals(self.manifest, texts)
        return found

    def doctable(self) -> arrange.DocTable:
        found = getattr(self, "_doctable", None)
        if found is None:
            found = self._doctable = arrange.DocTable(self.searcher().reader(), self.units(), self.manifest)
        return found

    def columns(self) -> tuple[list[int], list[int]]:
        """docnum → its measure's number and its document's number, for crowding hundreds of hits."""
        found = getattr(self, "_columns", None)
        if found is None:
            reader = self.searcher().reader()
            found = self._columns = tuple(_numbered(reader.column_reader(name)) for name in ("measure_key", "doc_id"))
        return found


class _damage_is_unavailable:
    """An unexpected error reading a generation: if its files fail their checksums, it is the
    damage (IndexUnavailable: 503 with the rebuild hint), else the error itself."""

    def __init__(self, gen):
        self.gen = gen

    def __enter__(self):
        return self.gen

    def __exit__(self, kind, exc, tb):
        if exc is None or isinstance(exc, (IndexUnavailable, QueryError)) or not isinstance(exc, Exception):
            return False
        if self.gen.verify():
            raise IndexUnavailable(self.gen.damage) from exc
        return False


def _numbered(column) -> list[int]:
    numbers: dict = {}
    return [numbers.setdefault(value, len(numbers)) for value in column]


def _on_one_generation(method):
    """Run a Searcher method on one generation, counted as in use meanwhile (so a replaced one is
    released when its last request ends); nested calls share it."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        if getattr(self._pinned, "gen", None) is not None:
            return method(self, *args, **kwargs)
        for _ in range(5):
            gen = self.generation()
            if gen.enter():
                break
        else:
            raise IndexUnavailable("the index was replaced repeatedly during this request; try again")
        self._pinned.gen = gen
        try:
            return method(self, *args, **kwargs)
        finally:
            self._pinned.gen = None
            gen.leave()
    return run


class Searcher:
    def __init__(self, index_dir, cache: bool = True):
        """cache=False answers every query afresh (benchmarks measure the engine, not the cache)."""
        self.store = IndexStore(index_dir)
        self.cache = cache
        self._lock = threading.Lock()
        self._gen: _Generation | None = None
        self._failed: tuple | None = None   # (path, its files' identity, why it cannot be opened)
        self._pinned = threading.local()    # the generation the calling thread's request runs on
        self._pending: tuple | None = None    # (generation path, when, report) for /healthz

    # -- index generations -------------------------------------------------------------------
    def generation(self) -> _Generation:
        pinned = getattr(self._pinned, "gen", None)
        if pinned is not None:
            return pinned            # within a request: the generation it started on
        current = self.store.current
        if current is None:
            raise IndexUnavailable(f"no index in {self.store.root}: build one with "
                                   f"policy-index build --index {self.store.root}")
        gen = self._gen
        if gen is None or gen.path != current:
            gen = self._switch(current)
        if gen.damage:
            raise IndexUnavailable(gen.damage)
        return gen

    def _switch(self, current: Path) -> _Generation:
        failed = self._failed
        if failed is not None and failed[0] == current and failed[1] == checksums.identity(current):
            raise IndexUnavailable(failed[2])   # the same broken files: not opened (and read) again
        with self._lock:
            if self._gen is None or self._gen.path != current:
                try:
                    opened = _Generation(current)
                except IndexUnavailable as exc:
                    self._failed = (current, checksums.identity(current), str(exc))
                    raise
                self._failed = None
                old, self._gen = self._gen, opened
                opened.verify_later()
                if old is not None:
                    # requests in flight finish on the generation they started with; the last
                    # one to leave it releases it (at once when none is in flight)
                    old.retire()
                    self._retire_later(old)
            return self._gen

    def _retire_later(self, gen: _Generation) -> None:
        """A request stuck on a replaced generation does not keep its memory past RETIRE_SECONDS."""
        if gen.released:
            return
        timer = gen.timer = threading.Timer(RETIRE_SECONDS, gen.close)
        timer.daemon = True
        timer.start()

    # -- search ------------------------------------------------------------------------------
    @_on_one_generation
    def search(self, q, page=1, per_page=10, dept=None, doc=None, filters=None, expand=True,
               sort="relevance", group=None) -> dict:
        """The result object for a query (see README); repeated queries on the same index generation
        are answered from a small cache, since readers' queries repeat and the index is immutable."""
        page, per_page = _bounded("page", page, 1, MAX_PAGE), _bounded("per_page", per_page, 1, MAX_PER_PAGE)
        gen = self.generation()
        expand = bool(expand)
        sort, group = sort or "relevance", group or None
        if sort not in arrange.SORTS:
            raise QueryError(f"sort 只能是 {' 或 '.join(arrange.SORTS)} (sort must be relevance or date)")
        if group is not None and group not in arrange.GROUPS:
            raise QueryError("group 只能是 document (group must be document)")
        key = (q, page, per_page, dept, doc, tuple(sorted((k, str(v)) for k, v in (filters or {}).items())), expand,
               sort, group)
        with _damage_is_unavailable(gen):
            if not self.cache:
                return self._search(gen, q, page, per_page, dept, doc, filters, expand, sort, group)
            return _copied(gen.results.get(key, lambda: self._search(gen, q, page, per_page, dept, doc, filters,
                                                                      expand, sort, group)))

    def _search(self, gen, q, page, per_page, dept, doc, filters, expand=True, sort="relevance", group=None,
                spell=True) -> dict:
        parsed = parse(q)
        for key, value in (("dept", dept), ("doc", doc), *((filters or {}).items())):
            if value:
                parsed.filters.setdefault(key, []).extend([value] if isinstance(value, str) else value)
        compiler, evaluator = gen.compiler(), gen.evaluator()
        restrict, mask = self._filters(parsed.filters, compiler, gen)
        allowed = gen.allowed(restrict) if restrict is not None else None
        compiled = compiler.compile(parsed)
        units = gen.units()
        split = compiler.split_articles(parsed)
        naming = compiler.naming_groups(split)   # beside an article number, a document's name names only
        words = [w.text for i, g in enumerate(split.groups) if i not in naming for w in g if not compiler.is_article(w)]
        analysed = ranking.query_terms(compiler, words, gen.question_words, gen.vocabulary if expand else None)
        terms = analysed.terms
        title = compiler.title_boost(split)
        if compiled.plain and not ranking.is_short(analysed):
            # a question in the reader's words: no sentence holds them all, so the clause-level
            # query (every word, in every field) is not worth its cost; a named law still counts
            strict_ids, strict_scores = evaluate.EMPTY
            bonus = evaluate.restrict(evaluator.evaluate(title), allowed, mask) if title is not None else None
        else:
            strict_ids, strict_scores = evaluate.restrict(evaluator.evaluate(compiled.query), allowed, mask)
            bonus = None
        negatives = [n for n in (compiler.negative_query(w) for w in parsed.negated) if n is not None]
        excluded = np.unique(np.concatenate([evaluator.ids(n) for n in negatives])) if negatives else None
        named = title is not None or any(compiler.is_article(w) for w in split.positive_words)
        first = None
        if compiled.plain and split.groups and all(len(g) == 1 and compiler.named_documents(g[0].text)
                                                   for g in split.groups):
            # the query is a document's name: that document (its articles in order) before those citing it
            docs = sorted(set().union(*(compiler.named_documents(g[0].text) for g in split.groups)))
            first = np.unique(units.unit_of[evaluator.ids(Q.Or([Q.Term("doc_id", d) for d in docs]))])
        ranked = gen.ranker().rank(
            gen.postings, gen.searcher(), terms, strict_ids, strict_scores,
            units.lift(allowed) if allowed is not None else None,
            units.lift(mask) if mask is not None else None,
            authority=ranking.authority_applies(parsed.filters, named),
            window=max(RERANK_WINDOW, page * per_page, arrange.ARRANGE_WINDOW if sort == "date" or group else 0),
            partial=compiled.relaxable, plain=compiled.plain,
            excluded=excluded, question=analysed.question,
            bonus_match=bonus, first=first,
            facts=(gen.unit_facts(), facts.asks(q)),
            asked=gen.asked().scores(analysed.asked, units.count, ranking.K1, ranking.ASKED_B, ranking.ASKED_MIN_WORDS)
            if analysed.asked else None)
        order = list(zip(ranked.units.tolist(), ranked.strict.tolist(), ranked.scores.tolist()))
        if sort == "date":
            order = arrange.by_date(order, gen.doctable().date)
        elif not group:
            order = _crowd(order, lambda h: units.doc_of[h[0]], PER_DOCUMENT, CROWDED_PLACES)
        highlight_terms = set(compiled.terms) | {t.word for t in terms}
        start = (page - 1) * per_page
        s = gen.searcher()

        shown = {}   # unit → its live clauses and their scores, for the units a page shows

        def hit(unit, is_strict, score):
            found = self._hit(gen, s, unit, is_strict, score, *shown[unit], highlight_terms, strict_ids,
                              strict_scores)
            asked = gen.asked().matched(unit, analysed.asked) if analysed.asked else []
            if asked:   # readers asked this article with these words of the question
                found["asked"] = asked
            return found

        def score_clauses(page_units):
            clauses = [self._clauses(gen, s, unit, excluded) for unit in page_units]
            weights = gen.ranker().clause_scores(gen.postings, s, terms, clauses)
            shown.update(zip(page_units, zip(clauses, weights)))
        arranged = {"sort": sort, "group": group, "did_you_mean": None}
        exact = min(ranked.total, int(ranked.strict.sum()))   # articles holding every word
        if spell and exact <= spelling.FEW_HITS and ranking.is_short(analysed):   # a question ranks as one list
            arranged["did_you_mean"] = spelling.did_you_mean(
                gen.lexicon(), gen.analyzer, q, exact,
                lambda other: sum(h["exact"] for h in self._search(gen, other, 1, spelling.COUNTED, dept, doc,
                                                                   filters, expand, spell=False)["hits"]))
        if group:
            groups = arrange.by_document(order, gen.doctable().doc_id)
            arranged["groups_total"] = len(groups)
            score_clauses([h[0] for g in groups[start:start + per_page]
                           for h in g[:arrange.GROUP_SHOWN + arrange.GROUP_MORE]])
            arranged["groups"] = [arrange.group_entry(gen.manifest, gen.doctable().doc_id(g[0][0]), len(g),
                                                   [hit(*h) for h in g[:arrange.GROUP_SHOWN + arrange.GROUP_MORE]],
                                                   gen.repealed())
                               for g in groups[start:start + per_page]]
            hits = [h for g in arranged["groups"] for h in g["hits"]]
        else:
            score_clauses([h[0] for h in order[start:start + per_page]])
            hits = [hit(*h) for h in order[start:start + per_page]]
        arrange.annotate(hits, gen.manifest, gen.repealed())
        facets = gen.count_facets(ranked.matched_units)
        return {"query": q, "total": ranked.total, "page": page, "per_page": per_page, "relaxed": ranked.relaxed,
                "expanded": analysed.expanded, "hits": hits, "facets": facets, **arranged}

    def _filters(self, filters, compiler, gen):
        required, mask = [], None
        for key, values in filters.items():
            if key == "version":
                continue
            for value in values:
                required.append(self._filter(key, value, compiler, gen))
        version = (filters.get("version") or ["current"])[-1]   # the last one typed wins
        if version == "current":
            mask = gen.historical()
        elif version == "historical":
            required.append(Q.Term("historical", True))
        if not set(filters) - {"version"} and len(gen.duplicates()):
            mask = gen.duplicates() if mask is None else gen.historical_or_duplicate()
        required = [r for r in required if r is not None]
        return (Q.And(required) if len(required) > 1 else required[0]) if required else None, mask

    @staticmethod
    def _filter(key, value, compiler, gen):
        reader = gen.searcher().reader()
        if key == "dept":
            if reader.doc_frequency("dept", value):
                return Q.Term("dept", value)
            units = compiler.units(value)
            return compiler.units_query(units, set(), fields=("departments",), broad=True) if units else Q.NullQuery
        if key == "doc":
            if reader.doc_frequency("doc_id", value):
                return Q.Term("doc_id", value)
            units = compiler.units(value)
            return compiler.units_query(units, set(), fields=("doc_title",), broad=True) if units else Q.NullQuery
        if key in ("category", "province"):
            return Q.Term(key, value)
        if key == "article":
            label = article_label(value if value.startswith("第") else f"第{value}条")
            return Q.Term("article", label) if label else Q.NullQuery
        if key in ("from", "to"):
            low, high = (arrange.date_bound(value, False, key), None) if key == "from" else \
                (None, arrange.date_bound(value, True, key))
            ids = arrange.documents_in_range(gen.manifest, low, high)
            return Q.Or([Q.Term("doc_id", d) for d in ids]) if ids else Q.NullQuery
        if key in DOC_META_FILTERS:
            ids = gen.documents_where(DOC_META_FILTERS[key], value)
            return Q.Or([Q.Term("doc_id", d) for d in ids]) if ids else Q.NullQuery
        raise QueryError(f"unknown filter {key!r}")

    @staticmethod
    def _clauses(gen, s, unit, excluded) -> np.ndarray:
        """The unit's live clauses a hit may show (never one holding an excluded word), sorted."""
        clauses = gen.units().clauses(unit)
        live = gen.postings.live(s)
        if live is not None:
            clauses = clauses[live[clauses]]
        if excluded is not None:
            clauses = clauses[~evaluate.member(clauses, excluded)]
        return clauses

    @staticmethod
    def _hit(gen, s, unit, is_strict, score, clauses, weight, highlight_terms, strict_ids, strict_scores) -> dict:
        """One article or measure: its best clause as the hit (the deep link), with the unit's other
        matching clauses after it (`weight`: each clause's score for the query's terms)."""
        weight = weight.copy()
        if is_strict:   # a clause satisfying the query as written comes first
            inside = evaluate.member(clauses, strict_ids)
            weight[inside] += strict_scores[np.searchsorted(strict_ids, clauses[inside])] + weight.max() + 1
        best = np.lexsort((clauses, -weight))
        first = int(clauses[best[0]])
        hit = Searcher._clause(gen, s, first, highlight_terms)
        info = hit.pop("info")
        others = [int(clauses[i]) for i in best[1:] if weight[i] > 0][:MAX_MORE_CLAUSES]
        more = []
        for docnum in others:
            other = Searcher._clause(gen, s, docnum, highlight_terms)
            more.append({"clause_id": other["info"]["clause_id"], "text": other["text"],
                         "highlight": other["highlight"]})
        return {"clause_id": info["clause_id"], "doc_id": hit["doc_id"], "doc_title": info.get("doc_title", ""),
                "measure_no": info["measure_no"], "measure_title": info.get("measure_title", ""),
                "departments": info.get("departments", []), "text": hit["text"],
                "highlight": hit["highlight"], "score": round(score, 4),
                "article": info.get("article"), "chapter": info.get("chapter"),
                "category": info.get("category"), "version_date": info.get("version_date"),
                "exact": bool(is_strict), "clauses": more}

    @staticmethod
    def _clause(gen, s, docnum, terms) -> dict:
        f = s.stored_fields(docnum)
        return {"info": f["info"], "doc_id": f["doc_id"], "text": f["text"],
                "highlight": highlight(gen.analyzer, f["text"], terms, f.get("cuts"))}

    # -- suggestions, documents, health -----------------------------------------------------
    @_on_one_generation
    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Measure and document titles starting with (then containing) the prefix, then index words."""
        prefix = (prefix or "").strip()
        if not prefix:
            return []
        gen = self.generation()
        normalize = gen.normalizer
        norm = normalize(prefix)
        out = [t for t in gen.titles if normalize(t).startswith(norm)][:limit]
        if len(out) < limit:
            out += [t for t in gen.titles if norm in normalize(t) and t not in out][:limit - len(out)]
        if len(out) < limit:
            reader = gen.searcher().reader()
            words = [w.decode("utf-8") for w in reader.expand_prefix("text", norm)]
            words = [w for w in words if len(w) > len(norm) and w not in out]
            words.sort(key=lambda w: (-reader.doc_frequency("text", w), w))
            out += words[:limit - len(out)]
        return out[:limit]

    @_on_one_generation
    def document(self, doc_id: str) -> dict | None:
        gen = self.generation()
        summary = gen.manifest["documents"].get(doc_id)
        if summary is None:
            return None
        s = gen.searcher()
        results = s.search(Q.to_whoosh(Q.Term("doc_id", doc_id)), limit=None, sortedby="order")
        measures: dict[int, dict] = {}
        for hit in results:
            f = hit.fields()
            info = f["info"]
            m = measures.setdefault(info["measure_no"], {
                "no": info["measure_no"], "title": info.get("measure_title", ""),
                "departments": info.get("departments", []),
                "article": info.get("article"), "chapter": info.get("chapter"), "paragraphs": []})
            while len(m["paragraphs"]) < info["paragraph"]:
                m["paragraphs"].append([])
            m["paragraphs"][info["paragraph"] - 1].append({"clause_id": info["clause_id"], "text": f["text"]})
        return {"doc_id": doc_id, "title": summary["title"], "meta": summary.get("meta", {}),
                "measures": list(measures.values())}

    def reading(self):
        """(manifest, analyzer, repealed) of the live generation, for the document view (search_app/reading.py)."""
        gen = self.generation()
        return gen.manifest, gen.analyzer, gen.repealed()

    @_on_one_generation
    def doc_titles(self, doc_ids) -> dict[str, str]:
        """Titles of documents by id (for naming the documents facet)."""
        docs = self.generation().manifest["documents"]
        return {d: docs[d]["title"] for d in doc_ids if d in docs}

    def warm(self) -> None:
        """Open the live generation and load jieba, the facet maps, the version mask and the
        did-you-mean word list now, so the first reader's query is not the one that pays seconds
        for them. Never raises: on a missing
        or damaged index the server still starts and says on /healthz what is wrong."""
        try:
            gen = self.generation()
            with _damage_is_unavailable(gen):
                for _, field, _ in FACETS:
                    gen.facet(field)
                gen.columns()
                gen.ranker()
                gen.asked()
                gen.unit_facts()
                gen.historical_or_duplicate()
                gen.document_facets()
                gen.repealed()
                gen.lexicon()   # did-you-mean's word list: about a second on the law collection
                gen.compiler().units("预热")
        except IndexUnavailable:
            return
        except Exception:  # noqa: BLE001 - not damage its checksums show: the requests will say
            import logging
            logging.getLogger(__name__).exception("warming the index failed")

    def health(self, with_pending: bool = False) -> dict:
        """The live generation's state, counts and times; its files are read back against their
        checksums here when they changed since last verified (a stat a file otherwise);
        with_pending (/healthz) also the corpus changes it does not hold yet."""
        try:
            gen = self.generation()
            if gen.verified_as is not None and gen.verify():
                raise IndexUnavailable(gen.damage)
            docs = gen.manifest["documents"]
            with _damage_is_unavailable(gen):
                with_searcher = gen.searcher()
                clauses = with_searcher.doc_count()
            verified = None if gen.verified_as is None else gen.checked
            return {"ok": True, "generation": gen.path.name, "documents": len(docs),
                    "clauses": clauses, "built_at": gen.manifest.get("built_at"), "verified": verified,
                    "updated_at": gen.manifest.get("updated_at"),
                    "pending": self.pending(gen) if with_pending else None,
                    "error": None, "hint": None}
        except IndexUnavailable as exc:
            return {"ok": False, "generation": None, "documents": 0, "clauses": 0, "verified": False,
                    "built_at": None, "updated_at": None, "pending": None,
                    "error": str(exc), "hint": f"policy-index build --index {self.store.root}"}

    def pending(self, gen: _Generation) -> dict:
        """Corpus changes not yet in the live generation (record.pending_report: counts and the
        first document ids, never paths), recomputed at most every PENDING_SECONDS."""
        from indexer.record import pending_report
        known, now = self._pending, time.monotonic()
        if known is not None and known[0] == gen.path and now - known[1] < PENDING_SECONDS:
            return known[2]
        report = pending_report(gen.manifest)
        self._pending = (gen.path, now, report)
        return report


class _Facet:
    """A field's values per clause as arrays (clause → value numbers), counted for a match set
    in array operations; names in sorted order, so ties rank by name."""

    def __init__(self, names, docs, values, doccount):
        order = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), dtype=np.int32)
        rank[order] = np.arange(len(names), dtype=np.int32)
        self.names = [names[i] for i in order]
        docs = np.concatenate(docs) if docs else np.empty(0, np.int64)
        values = rank[np.concatenate(values)] if values else np.empty(0, np.int32)
        by_doc = np.argsort(docs, kind="stable")
        self.values = values[by_doc]
        self.starts = np.searchsorted(docs[by_doc], np.arange(doccount + 1))
        self.single = None
        if len(docs) == len(np.unique(docs)):   # at most one value a clause: a plain lookup
            self.single = np.full(doccount, -1, dtype=np.int32)
            self.single[docs] = values
            self._shifted = self.single + 1

    def count(self, docnums: np.ndarray, limit=None) -> dict[str, int]:
        if self.single is not None:   # shifted by one: clauses without a value count in bin 0, dropped
            counts = np.bincount(self._shifted[docnums], minlength=len(self.names) + 1)[1:]
        else:
            starts = self.starts[docnums]
            lengths = self.starts[docnums + 1] - starts
            total = int(lengths.sum())
            offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)
            found = self.values[offsets]
            if not len(found):
                return {}
            counts = np.bincount(found, minlength=len(self.names))
        return self.ranked(counts, limit)

    def ranked(self, counts: np.ndarray, limit=None) -> dict[str, int]:
        """name → count of the values counted, most first (ties by name), at most `limit`."""
        present = np.flatnonzero(counts)
        ranked = present[np.lexsort((present, -counts[present]))]
        if limit:
            ranked = ranked[:limit]
        return {self.names[i]: int(counts[i]) for i in ranked}


def _result_bytes(result: dict) -> int:
    """About what a cached result holds: its hits' text (text, highlight, titles) and the facets."""
    chars = sum(len(h["text"]) + len(h["highlight"]) + len(h["doc_title"]) + len(h["measure_title"]) + 200
                for h in result["hits"])
    chars += sum(len(k) + 16 for f in result["facets"].values() for k in f)
    return 4 * chars + 1000


def _copied(value):
    """A copy of a result (dicts, lists and immutable values only) that shares nothing mutable
    with it: copy.deepcopy's work for this shape, without its memo and dispatch."""
    if type(value) is dict:
        return {k: _copied(v) for k, v in value.items()}
    if type(value) is list:
        return [_copied(v) for v in value]
    return value


def _bounded(name, value, low, high) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise QueryError(f"{name} 必须是整数 ({name} must be a whole number)") from None
    if not low <= number <= high:
        raise QueryError(f"{name} 应在 {low} 到 {high} 之间 ({name} must be between {low} and {high})")
    return number


def _crowd(hits, key, limit, slots):
    """Hits in order, except that the first `slots` places take at most `limit` hits of one key
    (one law's many articles do not fill the first page); the waiting hits follow, in order."""
    counts: dict = {}
    first, waiting = [], []
    for i, hit in enumerate(hits):
        if len(first) >= slots:
            return first + waiting + hits[i:]
        k = key(hit)
        if counts.get(k, 0) < limit:
            counts[k] = counts.get(k, 0) + 1
            first.append(hit)
        else:
            waiting.append(hit)
    return first + waiting
