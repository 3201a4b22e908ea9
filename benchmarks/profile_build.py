#!/usr/bin/env python3
"""Where a build's time goes: cProfile of build_index(procs=1) on a synthetic corpus, self time grouped.

    python benchmarks/profile_build.py --measures 10000          # ≈ 30k clauses
    python benchmarks/profile_build.py --measures 10000 --top 40 --sort tottime

Prints the top functions by cumulative (or self) time and a summary of self time by area:
jieba segmentation, our analyzer (tokenizer glue, sub-word filter, normaliser/OpenCC), Whoosh
analysis filters, per-field term/posting encoding, posting writes at commit, stored fields,
reading/splitting the corpus. procs=1 so that everything runs in the profiled process
(with procs=2 the analysis happens in Whoosh's worker processes, out of the profiler's sight).
Under cProfile everything runs ~1.5-2x slower; compare shares, not seconds.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

AREAS = [  # (area, test on "path:function") — first match wins
    ("jieba segmentation", lambda f, fn: "/jieba/" in f or f.endswith("indexer/engine/jieba_speedups.py")),
    ("OpenCC / normaliser", lambda f, fn: "opencc" in f.lower() or f.endswith("indexer/normalize.py")),
    ("our analyzer glue (tokenizer, sub-word filter)", lambda f, fn: f.endswith("indexer/engine/analysis.py")),
    ("whoosh analysis filters (StopFilter …)", lambda f, fn: "/whoosh/analysis/" in f),
    ("whoosh field → terms/postings per document", lambda f, fn: f.endswith(("whoosh/fields.py", "whoosh/formats.py"))),
    ("whoosh stored fields / per-document values", lambda f, fn: "whoosh/codec/whoosh3.py" in f and
        any(k in fn for k in ("add_field", "finish_doc", "start_doc", "add_column_value", "add_vector", "_prep"))),
    ("posting pool (adding, spilling) & segment writes at commit",
     lambda f, fn: f.endswith("indexer/engine/segment_writer.py") or ("/whoosh/" in f and any(
         k in f for k in ("/codec/", "/filedb/", "/util/", "/system/", "writing.py", "/automata/")))),
    ("whoosh other", lambda f, fn: "/whoosh/" in f),
    ("corpus reading & clause splitting", lambda f, fn: any(k in f for k in ("indexer/readers/", "indexer/clauses.py",
                                                                         "indexer/corpus.py"))),
    ("indexer/build.py + engine's clause adder, verify (records, verify, manifest)",
     lambda f, fn: f.endswith(("indexer/build.py", "indexer/engine/clause_adder.py", "indexer/engine/verify.py"))),
    ("pickle/marshal/zlib/struct/sort builtins", lambda f, fn: f == "~" and any(
        k in fn for k in ("pickle", "marshal", "zlib", "compress", "pack", "sort", "dump", "load"))),
    ("regex builtins", lambda f, fn: f == "~" and ("re.Pattern" in fn or "_sre" in fn)),
    ("other builtins", lambda f, fn: f == "~"),
    ("imports / other Python", lambda f, fn: True),
]


def main(argv=None):
    import gen_corpus
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--measures", type=int, default=10000)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--sort", default="cumtime", choices=("cumtime", "tottime"))
    ap.add_argument("--procs", type=int, default=1)
    a = ap.parse_args(argv)
    out = HERE / "out"
    corpus = out / f"corpus-m{a.measures}"
    info = gen_corpus.cached(corpus, measures=a.measures)
    index = out / "prof" / f"index-m{a.measures}"
    shutil.rmtree(index, ignore_errors=True)
    prof_path = out / "prof" / f"build-m{a.measures}-p{a.procs}.prof"
    prof_path.parent.mkdir(parents=True, exist_ok=True)

    from indexer.build import build_index
    profiler = cProfile.Profile()
    t = time.perf_counter()
    profiler.enable()
    result = build_index([corpus], index, procs=a.procs)
    profiler.disable()
    wall = time.perf_counter() - t
    profiler.dump_stats(prof_path)
    print(f"{info['clauses']:,} clauses, build under the profiler {wall:.1f} s: {result}\n")
    stats = pstats.Stats(str(prof_path))
    stats.sort_stats(a.sort).print_stats(a.top)

    areas: dict[str, float] = {}
    total = 0.0
    for (path, _line, fn), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        total += tottime
        for area, test in AREAS:
            if test(path, fn):
                areas[area] = areas.get(area, 0.0) + tottime
                break
    print(f"self time by area (total {total:.1f} s):")
    for area, sec in sorted(areas.items(), key=lambda kv: -kv[1]):
        print(f"  {sec:7.1f} s  {100 * sec / total:5.1f} %  {area}")
    print(f"\nprofile: {prof_path}  (python -m pstats {prof_path})")


if __name__ == "__main__":
    sys.exit(main())
