#!/usr/bin/env python3
"""The naive reference: Whoosh 2.7 + jieba's own `ChineseAnalyzer`, one process, default writer.

    python benchmarks/naive.py --corpus benchmarks/out/corpus-120kc --index /tmp/naive-ix

Schema: clause text, measure title and departments (all ChineseAnalyzer TEXT, stored), plus
clause_id and doc_id for updates. Clauses are cut by the engine's own reader and splitter so both
setups index exactly the same clauses; no user dictionary, synonyms, sub-word filter, relaxation,
highlighting or facets. Queries go through Whoosh's default MultifieldParser (AND of terms) after
`queries.to_whoosh_syntax`; each query fetches the stored fields of its top 10 hits.
bench_build.py runs these functions in child processes beside the engine; this file alone
prints the same figures for the naive setup.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def make_schema():
    from jieba.analyse.analyzer import ChineseAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    analyzer = ChineseAnalyzer()
    return Schema(clause_id=ID(stored=True, unique=True), doc_id=ID(stored=True),
                  text=TEXT(analyzer=analyzer, stored=True),
                  measure_title=TEXT(analyzer=analyzer, stored=True),
                  departments=TEXT(analyzer=analyzer, stored=True))


def records(doc):
    from indexer.clauses import document_clauses
    by_no = {m.no: m for m in doc.measures}
    for c in document_clauses(doc):
        m = by_no[c.measure_no]
        yield dict(clause_id=c.clause_id, doc_id=doc.doc_id, text=c.text, measure_title=m.title,
                   departments="、".join(m.departments))


def build(corpus_dirs, index_dir) -> dict:
    import jieba
    from whoosh import index as whoosh_index

    from indexer.corpus import discover, read_all
    jieba.setLogLevel(60)
    t0 = time.perf_counter()
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    docs, errors = read_all(discover(corpus_dirs))
    ix = whoosh_index.create_in(str(index_dir), make_schema())
    writer = ix.writer()
    n = 0
    for doc in docs:
        for rec in records(doc):
            writer.add_document(**rec)
            n += 1
    writer.commit()
    seconds = time.perf_counter() - t0
    return {"documents": len(docs), "clauses": n, "errors": len(errors), "seconds": seconds}


class NaiveSearcher:
    def __init__(self, index_dir):
        from whoosh import index as whoosh_index
        from whoosh.qparser import MultifieldParser
        self.ix = whoosh_index.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["text", "measure_title", "departments"], self.ix.schema)

    def search(self, q: str, limit: int = 10) -> dict:
        from queries import to_whoosh_syntax
        query = self.parser.parse(to_whoosh_syntax(q))
        results = self.searcher.search(query, limit=limit)
        hits = [hit.fields() for hit in results]
        return {"total": len(results), "hits": hits}


def update(corpus_dirs, index_dir, doc_path: Path, doc_id: str) -> float:
    """Re-index one changed document: delete its clauses by doc_id, add them again, commit."""
    from whoosh import index as whoosh_index

    from indexer.readers import read_document
    t0 = time.perf_counter()
    doc = read_document(doc_path, doc_id)
    ix = whoosh_index.open_dir(str(index_dir))
    writer = ix.writer()
    writer.delete_by_term("doc_id", doc_id)
    for rec in records(doc):
        writer.add_document(**rec)
    writer.commit()
    return time.perf_counter() - t0


def dir_mb(path) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 2**20


def main(argv=None):
    import resource

    from queries import make_queries
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", action="append", required=True, type=Path)
    ap.add_argument("--index", required=True, type=Path, help="a new folder for the naive index")
    ap.add_argument("--queries", type=int, default=240)
    args = ap.parse_args(argv)
    if args.index.exists() and any(args.index.iterdir()):
        ap.error(f"{args.index} is not empty")
    stats = build(args.corpus, args.index)
    stats["clauses_per_s"] = stats["clauses"] / stats["seconds"]
    stats["index_mb"] = dir_mb(args.index)
    stats["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = NaiveSearcher(args.index)
    times = []
    for _kind, q in make_queries(args.corpus, n=args.queries):
        t0 = time.perf_counter()
        s.search(q)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    stats["query_p50_ms"] = statistics.median(times)
    stats["query_p95_ms"] = times[int(0.95 * (len(times) - 1))]
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in stats.items()}))


if __name__ == "__main__":
    sys.exit(main())
