#!/usr/bin/env python3
"""Why does a query rank as it does? A diagnostic for the judged laws queries (read-only, in process).

    explain_query.py [--index index] [--top 10] QUERY

prints the analyzer's tokens for each query word, the compiled Whoosh query, each relaxation
step with its hit count and time, and, when QUERY is one of laws_queries.tsv, where each judged
grade-2 article lands: its best clause's rank and score in Whoosh's own order (before crowding)
and in the order the searcher returns (after crowding and relaxation).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default="index")
    ap.add_argument("--top", type=int, default=10, help="clauses listed from each stage")
    ap.add_argument("query")
    args = ap.parse_args(argv)

    from whoosh import query as Q

    from indexer.engine.analysis import analyze
    from search_app.query import parse
    from search_app.searcher import RERANK_WINDOW, Searcher
    import score_laws

    s = Searcher(args.index)
    gen = s.generation()
    searcher, compiler = gen.searcher(), gen.compiler()
    reader = searcher.reader()
    parsed = parse(args.query)
    print(f"query   {args.query!r}")
    print(f"parsed  groups={[[(w.text, w.phrase) for w in g] for g in parsed.groups]} filters={parsed.filters}")
    for w in parsed.positive_words:
        toks = analyze(gen.analyzer, w.text)
        shown = [f"{t}{'(sub)' if sub else ''}@{p} df={reader.doc_frequency('text', t)}" for t, p, _, _, sub in toks]
        print(f"tokens  {w.text!r}: {', '.join(shown)}")
    qwords = compiler.question_words
    compiled = compiler.compile(parsed)
    print(f"units   {[(u.word, u.subwords) for u in compiled.units]}  question words: "
          f"{[u.word for u in compiled.units if u.word in qwords]}  relaxable={compiled.relaxable}")
    print(f"compiled {str(compiled.query)[:600]}")
    import inspect   # a private helper whose signature has changed before: pass what it takes
    extra = (gen,) if len(inspect.signature(s._filters).parameters) > 3 else ()
    restrict, mask = s._filters(parsed.filters, compiler, searcher, *extra)

    def run(c, label):
        flt = restrict if c.restrict is None else (c.restrict if restrict is None else Q.And([restrict, c.restrict]))
        t0 = time.perf_counter()
        res = searcher.search(c.query, filter=flt, mask=mask, limit=RERANK_WINDOW)
        took = time.perf_counter() - t0
        print(f"\n[{label}] {res.scored_length()} matching clauses (of at most {RERANK_WINDOW} ranked) in {1000 * took:.0f} ms")
        for i, hit in enumerate(res[:args.top], 1):
            info = hit.fields()["info"]
            print(f"  {i:2d} {hit.score:7.3f} {info.get('doc_title', '')} {info.get('article') or info.get('measure_title')}"
                  f" | {hit.fields()['text'][:50]}")
        return res

    run(compiled, "exact")
    if compiled.relaxable:
        for n, looser in enumerate(compiler.relaxations(parsed, compiled), 1):
            print(f"\nrelaxation {n}: units {[u.word for u in looser.units]}"
                  f"{' with a minimum share of words' if looser.restrict is not None else ''}")
            run(looser, f"relaxation {n}")

    judged = next((j for j in score_laws.load(score_laws.DEFAULT_QUERIES) if j.query == args.query), None)
    if judged is None:
        return 0
    t0 = time.perf_counter()
    final = []
    for page in range(1, 5):
        final += s.search(args.query, page=page, per_page=50)["hits"]
    print(f"\nsearcher order (4 pages of 50, {1000 * (time.perf_counter() - t0):.0f} ms):")
    for (title, _version, article), grade in sorted(judged.grades.items(), key=lambda kv: -kv[1]):
        if grade < 2:
            continue
        rank = next((i for i, h in enumerate(final, 1) if h["doc_title"] == title
                     and (h.get("article") or h.get("measure_title")) == article), None)
        score = next((h["score"] for h in final if h["doc_title"] == title
                      and (h.get("article") or h.get("measure_title")) == article), None)
        print(f"  grade 2 {title} {article}: rank {rank if rank else '>200 or not matched'}"
              f"{f'  score {score}' if score is not None else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
