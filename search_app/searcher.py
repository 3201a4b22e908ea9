"""The search library the CLI, the API and the pages share: parse → compile → rank → highlight.

A `Searcher` follows the index folder's CURRENT pointer: a rebuilt or updated index is picked up
by the next request, without a restart, while requests in flight finish on the generation they
started with (generation.py holds what one generation keeps); a query's filters become a query
tree in filters.py, its ranked units hits in hits.py.
"""
from __future__ import annotations

import functools
import threading
import time
from pathlib import Path

import numpy as np

from indexer import checksums, facts
from indexer.engine import evaluate
from indexer.engine import query as Q
from indexer.store import IndexStore

from . import arrange, ranking, spelling
from . import hits as hits_module
from .filters import filter_query
from .generation import FACETS, Generation, IndexUnavailable, damage_is_unavailable
from .limits import MAX_PAGE, MAX_PER_PAGE
from .query import QueryError, parse

__all__ = ["Searcher", "QueryError", "IndexUnavailable"]

PER_DOCUMENT = 4     # at most this many units of one document in the first CROWDED_PLACES places
CROWDED_PLACES = 10  # (one long law does not fill the first page)
RERANK_WINDOW = 200
RETIRE_SECONDS = 60  # a replaced generation still in use is closed this long after the switch at most
PENDING_SECONDS = 30  # /healthz compares the corpus with the live index at most this often


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
        self._gen: Generation | None = None
        self._failed: tuple | None = None   # (path, its files' identity, why it cannot be opened)
        self._pinned = threading.local()    # the generation the calling thread's request runs on
        self._pending: tuple | None = None    # (generation path, when, report) for /healthz

    # -- index generations -------------------------------------------------------------------
    def generation(self) -> Generation:
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

    def _switch(self, current: Path) -> Generation:
        failed = self._failed
        if failed is not None and failed[0] == current and failed[1] == checksums.identity(current):
            raise IndexUnavailable(failed[2])   # the same broken files: not opened (and read) again
        with self._lock:
            if self._gen is None or self._gen.path != current:
                try:
                    opened = Generation(current)
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

    def _retire_later(self, gen: Generation) -> None:
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
        with damage_is_unavailable(gen):
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
        restrict, mask = filter_query(parsed.filters, compiler, gen)
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
            facts=(gen.unit_facts(), facts.asks(q)), keywords=analysed.keywords,
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
            found = hits_module.unit_hit(gen, s, unit, is_strict, score, *shown[unit], highlight_terms, strict_ids,
                              strict_scores)
            asked = gen.asked().matched(unit, analysed.asked) if analysed.asked else []
            if asked:   # readers asked this article with these words of the question
                found["asked"] = asked
            return found

        def score_clauses(page_units):
            clauses = [hits_module.live_clauses(gen, s, unit, excluded) for unit in page_units]
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
            with damage_is_unavailable(gen):
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
            with damage_is_unavailable(gen):
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

    def pending(self, gen: Generation) -> dict:
        """Corpus changes not yet in the live generation (record.pending_report: counts and the
        first document ids, never paths), recomputed at most every PENDING_SECONDS."""
        from indexer.record import pending_report
        known, now = self._pending, time.monotonic()
        if known is not None and known[0] == gen.path and now - known[1] < PENDING_SECONDS:
            return known[2]
        report = pending_report(gen.manifest)
        self._pending = (gen.path, now, report)
        return report

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
