"""STARD's judged questions answered in-process (no HTTP), for choosing ranking settings quickly.

Same questions, same collapsing of hits into articles and same metrics as
../shared/eval/stard/score_stard.py, but calling Searcher.search directly; --set NAME=VALUE
overrides a constant of search_app.ranking (or searcher) for the run (e.g. --set SUBWORD_WEIGHT=0.5), and
--folds K --fold I scores every K-th question only (the held-out fold of a cross-validation).

    .venv/bin/python benchmarks/stard/run_inproc.py --index /tmp/laws-ix [--limit N]
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
STARD = Path(os.environ.get("STARD_DIR", ROOT.parent / "shared" / "eval" / "stard"))
sys.path.insert(0, str(STARD))

import numpy as np  # noqa: E402
import stard_common as sc  # noqa: E402

from search_app import ranking  # noqa: E402
from search_app import searcher as searcher_module  # noqa: E402
from search_app.searcher import Searcher  # noqa: E402

METRICS = ("success@1", "recall@10", "recall@100", "mrr@10", "ndcg@10")


def ranked_articles(searcher, question: str, depth=100, per_page=50, max_chars=200) -> list[str]:
    q = question.strip()[:max_chars]
    out, seen, page = [], set(), 1
    while len(out) < depth and page <= 4:
        try:
            res = searcher.search(q, page=page, per_page=per_page)
        except Exception:  # noqa: BLE001  (a query error counts as no answer, as a 400 would)
            return out
        for h in res["hits"]:
            k = sc.answer_key(h.get("doc_title") or h.get("doc_id"), h.get("article") or f"#measure{h.get('measure_no')}")
            if k not in seen:
                seen.add(k)
                out.append(k)
        if page * per_page >= res["total"] or not res["hits"]:
            break
        page += 1
    return out[:depth]


def per_question(searcher, rows) -> list[dict]:
    out = []
    for row in rows:
        ranked = ranked_articles(searcher, row["question"])
        scored = sc.score_ranking(ranked, row["answers"])
        scored["empty"] = not ranked
        out.append(scored)
    return out


def summary(results: list[dict]) -> dict:
    m = {k: round(float(np.mean([r[k] for r in results])), 4) for k in METRICS}
    m["empty"] = int(sum(r["empty"] for r in results))
    m["n"] = len(results)
    return m


def evaluate(searcher, rows) -> dict:
    return summary(per_question(searcher, rows))


def cross_validate(runs: dict[str, list[dict]], folds: int, metric: str) -> list[dict]:
    """For each fold: the setting best on the other folds (by `metric`), scored on that fold."""
    out = []
    for fold in range(folds):
        def part(results, held):
            return [r for i, r in enumerate(results) if (i % folds == fold) == held]
        best = max(runs, key=lambda name: summary(part(runs[name], False))[metric])
        out.append({"fold": fold, "chosen": best, **summary(part(runs[best], True))})
    return out


def settings_of(text: str) -> dict:
    """'NAME=VALUE NAME=VALUE' (Python literals) → {NAME: value}."""
    return {k: ast.literal_eval(v) for k, v in (s.split("=", 1) for s in text.split())}


def module_of(name: str):
    """The module (search_app.ranking or .searcher) that holds the constant NAME."""
    module = next((m for m in (ranking, searcher_module) if hasattr(m, name)), None)
    if module is None:
        raise SystemExit(f"search_app.ranking and search_app.searcher have no {name}")
    return module


def apply(settings: dict) -> None:
    for name, value in settings.items():
        setattr(module_of(name), name, value)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default="index")
    ap.add_argument("--judged", default=str(STARD / "train.tsv"))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--folds", type=int, default=1)
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--set", action="append", default=[], help="NAME=VALUE (a Python literal)")
    ap.add_argument("--try", dest="tries", action="append", default=[],
                    help="'NAME=VALUE NAME=VALUE': a setting to compare; with several, each is scored on every "
                         "question and chosen per fold by cross-validation over --cv-folds folds")
    ap.add_argument("--cv-folds", type=int, default=3)
    ap.add_argument("--metric", default="recall@10", choices=METRICS)
    args = ap.parse_args(argv)
    apply(settings_of(" ".join(args.set)))
    rows = sc.load_judged(args.judged)
    if args.tries:
        return compare(args, rows)
    rows = [r for i, r in enumerate(rows) if i % args.folds == args.fold][: args.limit]
    searcher = Searcher(args.index, cache=False)
    searcher.warm()
    t = time.perf_counter()
    m = evaluate(searcher, rows)
    m["ms_per_question"] = round(1000 * (time.perf_counter() - t) / max(1, len(rows)), 1)
    print(json.dumps(m))
    return 0


def compare(args, rows) -> int:
    rows = rows[: args.limit]
    searcher = Searcher(args.index, cache=False)
    searcher.warm()
    defaults = {}
    runs = {}
    for text in args.tries:
        settings = settings_of(text)
        for name in settings:
            defaults.setdefault(name, getattr(module_of(name), name))
        apply({**defaults, **settings})
        runs[text] = per_question(searcher, rows)
        print(json.dumps({"setting": text, **summary(runs[text])}), flush=True)
    apply(defaults)
    if len(runs) > 1:
        for line in cross_validate(runs, args.cv_folds, args.metric):
            print(json.dumps({"cv": args.metric, **line}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
