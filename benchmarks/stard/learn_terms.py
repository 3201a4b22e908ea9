"""Learn readers' words → statutes' words from STARD's train split (MIT licence, see its README).

For every question, its content words (the ranker's own analysis, question words left out) and the
words of the articles that answer it; a pair (question word w, article word t) is kept when t is not
in the question, w's questions find t in their answers often (p(t|w) ≥ --min-p, at least --min-count
questions) and far more often than articles hold t at all (lift ≥ --min-lift). Weight p(t|w); at
most --per-word terms a word. Reproducible: the same data, index and options give the same file.

With --asked-out, also what readers asked each answering article (`title ⇥ article ⇥ word:count …`,
indexer/data/asked_words.tsv): the content words of the train questions it answers, counted in
questions, words statutes never use included (坠楼, 老公). The ranker scores a question against these
as one more field of the article (ranking.ASKED_WEIGHT): document expansion from a query log.

Also each question word's necessity (`word ⇥ = ⇥ weight`): how often the articles answering the
questions that hold it hold it too, smoothed towards the average (--smoothing questions' worth)
and divided by it; a word readers write and statutes do not (老公, 咋办) weighs less, one the answers
keep (离婚, 工资) more. Only words of at least --min-count questions, clipped to [0.1, 2].

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
    ap.add_argument("--smoothing", type=float, default=5.0)
    ap.add_argument("--no-necessity", action="store_true")
    ap.add_argument("--asked-out", default=None, help="also write what readers asked each answering article here")
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

    def held_by(word, answer_units):   # as the ranker sees it: the word, or it inside a longer word
        ids = units.term(gen.postings, s, "text", word.encode("utf-8")).ids
        return any(i < len(ids) and ids[i] == u for u, i in zip(answer_units, ids.searchsorted(answer_units)))

    asked, together, kept_by_answer = Counter(), defaultdict(Counter), Counter()
    for row in rows:
        q = {t.word for t in ranking.query_terms(compiler, [row["question"]], gen.question_words).terms
             if t.holds and t.weight >= 1.0 and len(t.word) > 1}
        answer = set()
        answer_units = sorted(by_key[k] for k in row["answers"] if k in by_key)
        for u in answer_units:
            answer |= words_of(u)
        for w in q:
            asked[w] += 1
            kept_by_answer[w] += bool(answer_units) and held_by(w, answer_units)
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
    if not args.no_necessity:
        average = sum(kept_by_answer.values()) / max(1, sum(asked.values()))
        for w in sorted(asked):
            if asked[w] >= args.min_count:
                share = (kept_by_answer[w] + args.smoothing * average) / (asked[w] + args.smoothing)
                lines.append(f"{w}\t=\t{min(2.0, max(0.1, share / average)):.3f}")
    Path(args.out).write_text("# word\tterm\tweight: learned by benchmarks/stard/learn_terms.py from STARD's train split"
                              f" ({len(rows)} questions); one a line.\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} associations of {len({ln.split(chr(9))[0] for ln in lines})} words → {args.out}")
    if args.asked_out:
        write_asked(args.asked_out, rows, compiler, gen.question_words, set(by_key))
    return 0


def asked_words(question: str, compiler, question_words) -> set[str]:
    """A question's content words as the ranker analyses them (ranking.asked_words), whether or not
    the statutes use them."""
    return set(ranking.asked_words(compiler.units(question), question_words))


def write_asked(out, rows, compiler, question_words, known) -> None:
    """Each answering article's readers' words, counted in questions: most asked first, then by word."""
    asked: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        words = asked_words(row["question"], compiler, question_words)
        for key in row["answers"]:
            if key in known:   # an article of the index (an answer the collection lacks says nothing)
                asked[key].update(words)
    lines = []
    for key in sorted(asked):
        title, article = key.rsplit("@", 1)
        words = sorted(asked[key].items(), key=lambda kv: (-kv[1], kv[0]))
        lines.append(f"{title}\t{article}\t" + " ".join(f"{w}:{c}" for w, c in words))
    Path(out).write_text("# title\tarticle\tword:count …: what readers asked the article, learned by "
                         f"benchmarks/stard/learn_terms.py from STARD's train split ({len(rows)} questions)\n"
                         + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} articles' asked words → {out}")


if __name__ == "__main__":
    sys.exit(main())
