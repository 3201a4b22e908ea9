#!/usr/bin/env python3
"""Why does a query rank as it does? A diagnostic for the judged laws queries (read-only, in process).

    explain_query.py [--index index] [--top 10] QUERY

prints the analyzer's tokens for each query word (with document frequencies), the weighted terms
the article ranking scores (weight, the reader's word each stands for, lay/learned expansions),
whether the query counts as a question, the first --top hits (article, score, exact or not), and,
when QUERY is one of laws_queries.tsv, the rank of each judged grade-2 article in the first 200.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default="index")
    ap.add_argument("--top", type=int, default=10, help="hits listed")
    ap.add_argument("query")
    args = ap.parse_args(argv)

    from indexer.engine import patches
    patches.install()
    import score_laws

    from indexer.engine.analysis import analyze
    from search_app import ranking
    from search_app.query import parse
    from search_app.searcher import Searcher

    s = Searcher(args.index, cache=False)
    gen = s.generation()
    compiler = gen.compiler()
    parsed = parse(args.query)
    print(f"query   {args.query!r}")
    print(f"parsed  groups={[[(w.text, w.phrase) for w in g] for g in parsed.groups]} filters={parsed.filters}"
          f" negated={[w.text for w in parsed.negated]}")
    for w in parsed.positive_words:
        shown = [f"{t}{'(sub)' if sub else ''} df={compiler.doc_frequency('text', t)}"
                 for t, _p, _s, _e, sub in analyze(gen.analyzer, w.text)]
        print(f"tokens  {w.text!r}: {', '.join(shown)}")
    analysed = ranking.query_terms(compiler, [w.text for w in parsed.positive_words], gen.question_words,
                                   gen.vocabulary)
    print(f"question={analysed.question}  short={ranking.is_short(analysed)}  expanded={analysed.expanded}")
    for t in sorted(analysed.terms, key=lambda t: -t.weight):
        print(f"  term {t.word:<12} weight {t.weight:.3f}  for {t.source}"
              f"{'' if t.holds else '  (evidence only)'}{f'  piece of {t.pieces}' if t.pieces > 1 else ''}")
    result = s.search(args.query, per_page=args.top)
    print(f"\n{result['total']} hits, relaxed={result['relaxed']}")
    for i, h in enumerate(result["hits"], 1):
        print(f"  {i:2d} {h['score']:8.3f} {'exact' if h['exact'] else '     '} {h['doc_title'][:30]}"
              f" {h.get('article') or h.get('measure_title')} | {h['text'][:40]}")

    judged = next((j for j in score_laws.load(score_laws.DEFAULT_QUERIES) if j.query == args.query), None)
    if judged is None:
        return 0
    final = []
    for page in range(1, 5):
        final += s.search(args.query, page=page, per_page=50)["hits"]
    print("\njudged grade-2 articles in the first 200:")
    for (title, _version, article), grade in sorted(judged.grades.items(), key=lambda kv: -kv[1]):
        if grade < 2:
            continue
        rank = next((i for i, h in enumerate(final, 1) if h["doc_title"] == title
                     and (h.get("article") or h.get("measure_title")) == article), None)
        print(f"  {title} {article}: rank {rank or '>200 or not matched'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
