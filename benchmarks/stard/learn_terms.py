"""Learn readers' words → statutes' words from STARD's train split (MIT licence, see its README).

For every question, its content words (the ranker's own analysis, question words left out) and the
words of the articles that answer it; a pair (question word w, article word t) is kept when t is not
in the question, w's questions find t in their answers often (p(t|w) ≥ --min-p, at least --min-count
questions) and far more often than articles hold t at all (lift ≥ --min-lift). Weight p(t|w); at
most --per-word terms a word. Reproducible: the same data, index and options give the same file.

    .venv/bin/python benchmarks/stard/learn_terms.py --index /tmp/laws-ix --out indexer/data/learned_terms.tsv
    # cross-validation: learn without fold I of K, then score fold I with run_inproc.py
    .venv/bin/python benchmarks/stard/learn_terms.py --index … --folds 5 --exclude-fold 0 --out /tmp/f0.tsv
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_inproc import STARD, sc  # noqa: E402

from search_app import ranking  # noqa: E402
from search_app.searcher import Searcher  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default="index")
    ap.add_argument("--judged", default=str(STARD / "train.tsv"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--folds", type=int, default=1)
    ap.add_argument("--exclude-fold", type=int, default=None)
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--min-p", type=float, default=0.2)
    ap.add_argument("--min-lift", type=float, default=20.0)
    ap.add_argument("--per-word", type=int, default=4)
    args = ap.parse_args(argv)
    rows = sc.load_judged(args.judged)
    if args.exclude_fold is not None:
        rows = [r for i, r in enumerate(rows) if i % args.folds != args.exclude_fold]
    searcher = Searcher(args.index, cache=False)
    gen = searcher.generation()
    s, compiler, units = gen.searcher(), gen.compiler(), gen.units()
    by_key = {}
    for u in range(units.count):
        info = s.stored_fields(int(units.first[u]))["info"]
        if info.get("article"):
            by_key.setdefault(sc.answer_key(info.get("doc_title", ""), info["article"]), u)
    unit_words: dict[int, set[str]] = {}

    def words_of(u):
        found = unit_words.get(u)
        if found is None:
            text = "".join(s.stored_fields(int(c))["text"] for c in units.clauses(u))
            found = unit_words[u] = {t.word for t in ranking.query_terms(compiler, [text], gen.question_words).terms
                                     if t.holds and t.weight >= 1.0 and len(t.word) > 1}
        return found

    asked, together = Counter(), defaultdict(Counter)
    for row in rows:
        q = {t.word for t in ranking.query_terms(compiler, [row["question"]], gen.question_words).terms
             if t.holds and t.weight >= 1.0 and len(t.word) > 1}
        answer = set()
        for key in row["answers"]:
            if key in by_key:
                answer |= words_of(by_key[key])
        for w in q:
            asked[w] += 1
            for t in answer - q:
                together[w][t] += 1
    n_units = units.n_live
    lines = []
    for w in sorted(together):
        kept = []
        for t, c in together[w].items():
            p = c / asked[w]
            df = len(units.term(gen.postings, s, "text", t.encode("utf-8"))[0])
            if c >= args.min_count and p >= args.min_p and df and p / (df / n_units) >= args.min_lift:
                kept.append((p, t))
        for p, t in sorted(kept, key=lambda x: (-x[0], x[1]))[: args.per_word]:
            lines.append(f"{w}\t{t}\t{p:.3f}")
    Path(args.out).write_text("# word\tterm\tweight: learned by benchmarks/stard/learn_terms.py from STARD's train split"
                              f" ({len(rows)} questions); one a line.\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} associations of {len({ln.split(chr(9))[0] for ln in lines})} words → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
