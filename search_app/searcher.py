"""The search library the CLI, the API and the pages share: parse → compile → rank → highlight.

A `Searcher` follows the index folder's CURRENT pointer: a rebuilt or updated index is picked up
by the next request, without a restart, while requests in flight finish on the generation they
started with. Whoosh searchers are kept one per thread.
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh import scoring

from indexer.numerals import article_label
from indexer.resources import question_words
from indexer.store import IndexStore

from . import evaluate
from .compile import Or, QueryCompiler
from .highlight import highlight
from .query import QueryError, parse

__all__ = ["Searcher", "QueryError", "IndexUnavailable"]

MAX_PER_PAGE = 50
MAX_PAGE = 1000
PER_MEASURE = 2      # a measure's clauses beyond this many wait until other measures have been shown
PER_DOCUMENT = 4     # likewise for one document, so one long law does not flood the first page
RERANK_WINDOW = 200
RESULT_CACHE_SIZE = 512   # results kept per index generation
FILTER_CACHE_SIZE = 256   # filters' clause sets kept per index generation
RETIRE_SECONDS = 60  # a replaced generation's searchers are closed this long after the switch
PENDING_SECONDS = 30  # /healthz compares the corpus with the live index at most this often
# filters on document metadata, resolved through the manifest: query key → meta key
DOC_META_FILTERS = {"number": "doc_number", "issuer": "issuer", "year": "date"}
# result facets: (name in the result, index field, most values listed)
FACETS = (("departments", "dept", None), ("categories", "category", None), ("provinces", "province", None),
          ("documents", "doc_id", 20))
PAD_BELOW = 10       # fewer exact matches than this: add relaxed partial matches after them
BM25_B, BM25_K1 = 0.75, 1.2


class IndexUnavailable(RuntimeError):
    """No usable index; the message says what is wrong and how to rebuild."""


class _Generation:
    """One opened index generation with what searching it needs."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.index = whoosh_index.open_dir(str(path))
            self.manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
            self.synonyms = json.loads((path / "synonyms.json").read_text(encoding="utf-8"))
            self.analyzer = self.index.schema["text"].analyzer
            self.normalizer = self.analyzer[0].normalizer
            self.index.searcher().close()   # opens every segment now: damage shows here, not per request
        except Exception as exc:  # any damage to the folder: report, never crash the server
            raise IndexUnavailable(f"the index at {path} cannot be opened ({type(exc).__name__}: {exc}); "
                                   f"rebuild it with: policy-index build") from exc
        self.local = threading.local()
        self._opened: list = []          # every per-thread searcher, to close when retired
        self.results = evaluate.LRU(RESULT_CACHE_SIZE)     # recent results of this generation
        self.frequencies: dict = {}                        # (field, word) → document frequency
        self._filters = evaluate.LRU(FILTER_CACHE_SIZE)    # filter query → allowed clause ids
        self.postings = evaluate.Postings(B=BM25_B, K1=BM25_K1)
        self._opened_lock = threading.Lock()
        self.titles = sorted({t for d in self.manifest["documents"].values()
                              for t in [d["title"], *d.get("measure_titles", [])]})

    def searcher(self):
        s = getattr(self.local, "searcher", None)
        if s is None:
            s = self.local.searcher = self.index.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1))
            with self._opened_lock:
                self._opened.append(s)
            self.local.compiler = QueryCompiler(self.analyzer, self.synonyms, s.reader(), question_words(),
                                                self.context(), self.frequencies)
            self.local.evaluator = evaluate.Evaluator(self.postings, s)
        return s

    def evaluator(self) -> evaluate.Evaluator:
        self.searcher()
        return self.local.evaluator

    def allowed(self, q) -> np.ndarray:
        """The clause ids a filter query allows; filters repeat across queries, so they are kept."""
        return self._filters.get(q, lambda: self.evaluator().ids(q))

    def close(self) -> None:
        """Close the searchers this generation handed out (it has been replaced)."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for s in opened:
            s.close()

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
                name = self.normalizer(title).removeprefix("中华人民共和国").strip()
                short.setdefault(name, set()).add(doc_id)
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

    def columns(self) -> tuple[list[int], list[int]]:
        """docnum → its measure's number and its document's number, for crowding hundreds of hits."""
        found = getattr(self, "_columns", None)
        if found is None:
            reader = self.searcher().reader()
            found = self._columns = tuple(_numbered(reader.column_reader(name)) for name in ("measure_key", "doc_id"))
        return found


def _numbered(column) -> list[int]:
    numbers: dict = {}
    return [numbers.setdefault(value, len(numbers)) for value in column]


class Searcher:
    def __init__(self, index_dir, cache: bool = True):
        """cache=False answers every query afresh (benchmarks measure the engine, not the cache)."""
        self.store = IndexStore(index_dir)
        self.cache = cache
        self._lock = threading.Lock()
        self._gen: _Generation | None = None
        self._retired: list[tuple[float, _Generation]] = []
        self._pending: tuple | None = None    # (generation path, when, report) for /healthz

    # -- index generations -------------------------------------------------------------------
    def generation(self) -> _Generation:
        current = self.store.current
        if current is None:
            raise IndexUnavailable(f"no index in {self.store.root}: build one with "
                                   f"policy-index build --index {self.store.root}")
        gen = self._gen
        if gen is not None and gen.path == current:
            return gen
        with self._lock:
            if self._gen is None or self._gen.path != current:
                now = time.monotonic()
                if self._gen is not None:
                    self._retired.append((now, self._gen))
                self._gen = _Generation(current)
                # requests in flight finish on the generation they started with: close it later
                for entry in [r for r in self._retired if now - r[0] > RETIRE_SECONDS]:
                    self._retired.remove(entry)
                    entry[1].close()
            return self._gen

    # -- search ------------------------------------------------------------------------------
    def search(self, q, page=1, per_page=10, dept=None, doc=None, filters=None) -> dict:
        """The result object for a query (see README); repeated queries on the same index generation
        are answered from a small cache, since readers' queries repeat and the index is immutable."""
        page, per_page = _bounded("page", page, 1, MAX_PAGE), _bounded("per_page", per_page, 1, MAX_PER_PAGE)
        gen = self.generation()
        key = (q, page, per_page, dept, doc, tuple(sorted((k, str(v)) for k, v in (filters or {}).items())))
        if not self.cache:
            return self._search(gen, q, page, per_page, dept, doc, filters)
        return _copied(gen.results.get(key, lambda: self._search(gen, q, page, per_page, dept, doc, filters)))

    def _search(self, gen, q, page, per_page, dept, doc, filters) -> dict:
        parsed = parse(q)
        for key, value in (("dept", dept), ("doc", doc), *((filters or {}).items())):
            if value:
                parsed.filters.setdefault(key, []).extend([value] if isinstance(value, str) else value)
        compiler, evaluator = gen.compiler(), gen.evaluator()
        restrict, mask = self._filters(parsed.filters, compiler, gen)
        allowed = gen.allowed(restrict) if restrict is not None else None
        compiled = compiler.compile(parsed)
        window = max(RERANK_WINDOW, page * per_page)
        relaxed = False

        def run(c):
            if c.restrict is None:
                return evaluate.restrict(evaluator.evaluate(c.query), allowed, mask)
            match, share = evaluator.evaluate_many([c.query, c.restrict])
            return evaluate.restrict(evaluate.restrict(match, share[0]), allowed, mask)

        columns = gen.columns()
        matched, scores = run(compiled)
        order, terms = _crowd(evaluate.top(matched, scores, window), columns), set(compiled.terms)
        if len(matched) < PAD_BELOW and compiled.relaxable:
            # few or no exact matches: follow them with the best partial matches, flagged as relaxed
            seen = set(matched.tolist())
            for looser in compiler.relaxations(parsed, compiled):
                more, more_scores = run(looser)
                extra = [h for h in _crowd(evaluate.top(more, more_scores, window), columns) if h[0] not in seen]
                if extra:
                    relaxed, order, terms = True, order + extra, terms | looser.terms
                    matched = np.union1d(matched, more)
                    seen.update(more.tolist())
                if len(matched) >= PAD_BELOW:
                    break
        start = (page - 1) * per_page
        s = gen.searcher()
        hits = [self._hit(gen, s, hit, terms) for hit in order[start:start + per_page]]
        facets = {name: gen.facet(field).count(matched, limit) for name, field, limit in FACETS}
        total = len(matched)
        return {"query": q, "total": total, "page": page, "per_page": per_page, "relaxed": relaxed,
                "hits": hits, "facets": facets}

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
        if key in DOC_META_FILTERS:
            ids = gen.documents_where(DOC_META_FILTERS[key], value)
            return Or([Q.Term("doc_id", d) for d in ids]) if ids else Q.NullQuery
        raise QueryError(f"unknown filter {key!r}")

    @staticmethod
    def _hit(gen, s, hit, terms) -> dict:
        docnum, score = hit
        f = s.stored_fields(docnum)
        info = f["info"]
        return {"clause_id": info["clause_id"], "doc_id": f["doc_id"], "doc_title": info.get("doc_title", ""),
                "measure_no": info["measure_no"], "measure_title": info.get("measure_title", ""),
                "departments": info.get("departments", []), "text": f["text"],
                "highlight": highlight(gen.analyzer, f["text"], terms, f.get("cuts")), "score": round(score, 4),
                "article": info.get("article"), "chapter": info.get("chapter"),
                "category": info.get("category"), "version_date": info.get("version_date")}

    # -- suggestions, documents, health -----------------------------------------------------
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

    def document(self, doc_id: str) -> dict | None:
        gen = self.generation()
        summary = gen.manifest["documents"].get(doc_id)
        if summary is None:
            return None
        s = gen.searcher()
        results = s.search(Q.Term("doc_id", doc_id), limit=None, sortedby="order")
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

    def doc_titles(self, doc_ids) -> dict[str, str]:
        """Titles of documents by id (for naming the documents facet)."""
        docs = self.generation().manifest["documents"]
        return {d: docs[d]["title"] for d in doc_ids if d in docs}

    def warm(self) -> None:
        """Open the live generation and load jieba, the facet maps and the version mask now, so the
        first reader's query is not the one that pays seconds for them."""
        try:
            gen = self.generation()
        except IndexUnavailable:
            return  # the server still starts and says on /healthz what is wrong
        for _, field, _ in FACETS:
            gen.facet(field)
        gen.columns()
        gen.historical()
        gen.compiler().units("预热")

    def health(self, with_pending: bool = False) -> dict:
        """The live generation and its counts and times; with_pending (/healthz) also the corpus
        changes it does not hold yet."""
        try:
            gen = self.generation()
            docs = gen.manifest["documents"]
            with_searcher = gen.searcher()
            return {"ok": True, "generation": gen.path.name, "documents": len(docs),
                    "clauses": with_searcher.doc_count(), "built_at": gen.manifest.get("built_at"),
                    "updated_at": gen.manifest.get("updated_at"),
                    "pending": self.pending(gen) if with_pending else None,
                    "error": None, "hint": None}
        except IndexUnavailable as exc:
            return {"ok": False, "generation": None, "documents": 0, "clauses": 0, "built_at": None,
                    "updated_at": None, "pending": None, "error": str(exc),
                    "hint": f"policy-index build --index {self.store.root}"}

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

    def count(self, docnums: np.ndarray, limit=None) -> dict[str, int]:
        if self.single is not None:
            found = self.single[docnums]
            found = found[found >= 0]
        else:
            starts = self.starts[docnums]
            lengths = self.starts[docnums + 1] - starts
            total = int(lengths.sum())
            offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)
            found = self.values[offsets]
        if not len(found):
            return {}
        counts = np.bincount(found, minlength=len(self.names))
        present = np.flatnonzero(counts)
        ranked = present[np.lexsort((present, -counts[present]))]
        if limit:
            ranked = ranked[:limit]
        return {self.names[i]: int(counts[i]) for i in ranked}


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


def _crowd(hits, columns):
    """Ranked (docnum, score) hits with crowding: a measure's third clause waits until every other
    measure in the window has shown its first two; then, over that order, clauses of a document's
    fifth measure wait likewise (one law's many articles do not fill the first page)."""
    measure_of, doc_of = columns
    by_measure = _defer(hits, lambda h: measure_of[h[0]], PER_MEASURE)
    return _defer(by_measure, lambda h: doc_of[h[0]], PER_DOCUMENT, lambda h: measure_of[h[0]])


def _defer(hits, key, limit, unit=None):
    """Hits in order, those beyond `limit` (clauses, or distinct units) per key moved to the end."""
    seen: dict = {}
    first, later = [], []
    for hit in hits:
        units = seen.setdefault(key(hit), [])
        u = unit(hit) if unit else len(units)
        if u not in units:
            units.append(u)
        (first if units.index(u) < limit else later).append(hit)
    return first + later
