"""One opened index generation and what searching it needs, made once and kept for its life:
per-thread searchers, compilers and evaluators, the result and filter caches, the unit arrays,
facet tables, masks (historical versions, duplicates) and the ranker's per-generation data.

A generation is immutable, so everything here is computed at most once; `Searcher` (searcher.py)
decides which generation a request runs on and when a replaced one is closed.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from indexer import checksums
from indexer.engine import evaluate
from indexer.engine import index as whoosh_index   # the engine opens indexes (its patches installed)
from indexer.engine import query as Q
from indexer.engine import scoring, term_arrays
from indexer.engine.scoring import BM25_B, BM25_K1
from indexer.resources import asked_words, learned_terms, question_words

from . import arrange, ranking, spelling
from .asked import AskedWords
from .compile import NAME_MARKS, QueryCompiler
from .query import QueryError
from .units import Units

RESULT_CACHE_SIZE = 512   # results kept per index generation
RESULT_CACHE_BYTES = 32_000_000   # … and their text, about: a result counts its hits' characters × 4
FILTER_CACHE_SIZE = 256   # filters' clause sets kept per index generation
FILTER_CACHE_BYTES = 64_000_000   # … and the bytes of their arrays (a broad filter holds 400k ids)
# result facets: (name in the result, index field, most values listed)
FACETS = (("departments", "dept", None), ("categories", "category", None), ("provinces", "province", None),
          ("documents", "doc_id", 20))


class IndexUnavailable(RuntimeError):
    """No usable index; the message says what is wrong and how to rebuild."""


class Generation:
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
                     "_duplicates", "_historical_or_duplicate", "_units", "_ranker", "_doc_valued", "_asked",
                     "_unit_facts"):
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

    def facet(self, fieldname: str) -> Facet:
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
            found = maps[fieldname] = Facet(names, docs, values, reader.doc_count_all())
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
            table = self.doctable()
            repealed = self.repealed()
            replaced = np.array([doc_id in repealed for doc_id in table.ids], dtype=bool)
            found = self._ranker = ranking.ArticleRanker(
                units, [facet.names[c] if c >= 0 else None for c in category], replaced[units.doc_of])
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


class damage_is_unavailable:
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



class Facet:
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
