"""Cross-validated figures for what is learned from train: for each fold, learn from the other folds
(learn_terms.py: the word associations and what readers asked each article), answer that fold's
questions with what was learned, and score all folds together. Several --try option sets (of
learn_terms.py) are compared on the same folds; several --vary ranking settings are scored on
each fold's learned files and then chosen per fold by
cross-validation (the setting best on the other folds' held-out answers, scored on this fold).

    .venv/bin/python benchmarks/stard/cv_learned.py --index /tmp/laws-ix --folds 3 \\
        --try "" --try "--per-word 8" [--set LEARNED_WEIGHT=0.6] \\
        [--vary "NECESSITY_EXPONENT=0.0" --vary "NECESSITY_EXPONENT=1.0"]
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import learn_terms  # noqa: E402
from run_inproc import (METRICS, STARD, Searcher, apply, cross_validate, module_of, per_question,  # noqa: E402
                        sc, settings_of, summary)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default="index")
    ap.add_argument("--judged", default=str(STARD / "train.tsv"))
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--try", dest="tries", action="append", default=None,
                    help="options for learn_terms.py (quoted); default: its defaults")
    ap.add_argument("--set", action="append", default=[], help="NAME=VALUE for the ranking (run_inproc.py --set)")
    ap.add_argument("--vary", action="append", default=None,
                    help="'NAME=VALUE …': ranking settings scored on every fold, chosen per fold by CV")
    ap.add_argument("--metric", default="recall@10", choices=METRICS)
    args = ap.parse_args(argv)
    apply(settings_of(" ".join(args.set)))
    varies = args.vary or [""]
    names = {n for text in varies for n in settings_of(text)}
    defaults = {n: getattr(module_of(n), n) for n in names}
    rows = sc.load_judged(args.judged)
    with tempfile.TemporaryDirectory() as tmp:
        for options in args.tries or [""]:
            runs = {text: [None] * len(rows) for text in varies}
            for fold in range(args.folds):
                out = Path(tmp) / f"fold{fold}.tsv"
                asked = Path(tmp) / f"asked{fold}.tsv"
                learn_terms.main(["--index", args.index, "--judged", args.judged, "--folds", str(args.folds),
                                  "--exclude-fold", str(fold), "--out", str(out), "--asked-out", str(asked),
                                  *shlex.split(options)])
                os.environ["POLICY_SEARCH_LEARNED_TERMS"] = str(out)
                os.environ["POLICY_SEARCH_ASKED_WORDS"] = str(asked)
                held = [i for i in range(len(rows)) if i % args.folds == fold]
                for text in varies:
                    apply({**defaults, **settings_of(text)})
                    # a searcher per setting: a generation keeps scores computed with the constants
                    # (each word's BM25 per unit, for one K1 and B), so a setting must not inherit them
                    searcher = Searcher(args.index, cache=False)
                    for i, result in zip(held, per_question(searcher, [rows[i] for i in held])):
                        runs[text][i] = result
                apply(defaults)
            for text in varies:
                print(json.dumps({"learn": options, "setting": text, "folds": args.folds, **summary(runs[text])}),
                      flush=True)
            if len(varies) > 1:
                chosen = cross_validate(runs, args.folds, args.metric)
                for line in chosen:
                    print(json.dumps({"learn": options, "cv": args.metric, **line}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
