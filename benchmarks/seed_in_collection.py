"""The seed list's judged queries in the real configuration (corpus/ and the law collection in one
index): is each query's grade-2 measure of the seed list among the first 10 hits, and where?

    .venv/bin/python benchmarks/seed_in_collection.py --index /tmp/laws-ix
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search_app.searcher import Searcher  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "dev_queries.tsv"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default="index")
    ap.add_argument("--judged", default=str(DEV))
    ap.add_argument("--depth", type=int, default=10)
    args = ap.parse_args(argv)
    searcher = Searcher(args.index, cache=False)
    found = asked = 0
    for line in Path(args.judged).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, grades, *_ = line.split("\t")
        wanted = {int(g.split(":")[0]) for g in grades.split() if g.endswith(":2")}
        if not wanted:
            continue
        asked += 1
        hits = searcher.search(query, per_page=args.depth)["hits"]
        # the seed list's measures are the hits with a measure number and no article (条)
        places = [i + 1 for i, h in enumerate(hits) if h.get("article") is None and h.get("measure_no") in wanted]
        found += bool(places)
        print(f"{'ok  ' if places else 'MISS'} {query}: seed measure {sorted(wanted)} at {places or '-'}")
    print(f"seed grade-2 measure in the first {args.depth}: {found}/{asked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
