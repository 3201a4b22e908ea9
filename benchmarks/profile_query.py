#!/usr/bin/env python3
"""Where query time goes: the mixed query list through Searcher.search, timed per query and profiled.

    python benchmarks/profile_query.py --index benchmarks/out/http-index-c120000
    python benchmarks/profile_query.py --index IDX --kind question --top 30
    python benchmarks/profile_query.py --index IDX --questions ../shared/eval/stard/train.tsv --queries 400

Prints the slowest queries (ms, hits, relaxed), per-kind p50/p95, any engine exception with its
query, then cProfile's top functions over one more pass (of --kind only, if given).
The query list is drawn from the index's own corpus folders (queries.py), as in bench_build.py.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(argv=None):
    from indexer.store import IndexStore
    from queries import make_queries, read_questions
    from search_app.searcher import QueryError, Searcher
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--queries", type=int, default=240)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--kind", default=None, help="profile only this kind (word, and2, phrase, filter, not, question)")
    ap.add_argument("--slowest", type=int, default=15)
    ap.add_argument("--top", type=int, default=35)
    ap.add_argument("--sort", default="cumtime", choices=("cumtime", "tottime"))
    ap.add_argument("--questions", type=Path, default=None, metavar="FILE",
                    help="time these (kind 'asked'): one a line, or a TSV's second column "
                         "(../shared/eval/stard/train.tsv), the first --queries of them")
    a = ap.parse_args(argv)
    if a.questions:
        queries = [("asked", q) for q in read_questions(a.questions)][:a.queries]
    else:
        roots = [Path(r) for r in IndexStore(a.index).manifest()["corpus_roots"]]
        queries = make_queries(roots, n=a.queries, seed=a.seed)
    s = Searcher(a.index, cache=False)
    s.search(queries[0][1])
    timings, failures, first = [], [], []
    for _ in range(2):  # the first pass warms caches (its p50/p95 printed); the second is reported
        first, timings = timings, []
        for kind, q in queries:
            t = time.perf_counter()
            try:
                r = s.search(q, page=1, per_page=10)
                info = (r["total"], r["relaxed"])
            except QueryError as exc:
                info = (f"QueryError: {exc}", False)
            except Exception as exc:  # noqa: BLE001 - a finding to report
                info = (f"{type(exc).__name__}: {exc}", False)
                if q not in [f[1] for f in failures]:
                    failures.append((kind, q, traceback.format_exc(limit=-6)))
            timings.append(((time.perf_counter() - t) * 1000, kind, q, *info))
    once = sorted(t[0] for t in first)
    print(f"first pass (each query new to the searcher): p50 {once[len(once) // 2]:.2f} ms, "
          f"p95 {once[int(0.95 * (len(once) - 1))]:.2f} ms")
    print(f"{len(queries)} queries on {a.index}; slowest:")
    for ms, kind, q, total, relaxed in sorted(timings, reverse=True)[:a.slowest]:
        print(f"  {ms:8.1f} ms  {kind:8s} {q!r}  hits={total} relaxed={relaxed}")
    print("per kind p50/p95 ms:")
    kinds = {}
    for ms, kind, *_ in timings:
        kinds.setdefault(kind, []).append(ms)
    for kind, values in kinds.items():
        values.sort()
        print(f"  {kind:8s} {values[len(values) // 2]:7.2f} {values[int(0.95 * (len(values) - 1))]:8.2f}")
    errors = [(kind, q, total) for _ms, kind, q, total, _r in timings if isinstance(total, str)]
    for kind, q, total in errors:
        print(f"  ERROR {kind} {q!r}: {total}")
    for kind, q, tb in failures:
        print(f"\nENGINE EXCEPTION for {kind} {q!r}:\n{tb}")
    chosen = [q for kind, q in queries if a.kind in (None, kind)]
    profiler = cProfile.Profile()
    profiler.enable()
    for q in chosen:
        try:
            s.search(q, page=1, per_page=10)
        except Exception:  # noqa: BLE001 - counted above
            pass
    profiler.disable()
    print(f"\ncProfile over {len(chosen)} queries{' of kind ' + a.kind if a.kind else ''}:")
    pstats.Stats(profiler).sort_stats(a.sort).print_stats(a.top)


if __name__ == "__main__":
    sys.exit(main())
