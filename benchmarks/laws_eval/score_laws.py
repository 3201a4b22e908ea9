#!/usr/bin/env python3
"""Score the searcher on judged queries over the laws collection (laws_queries.tsv beside this file).

For every query it runs `Searcher(index).search(query, per_page=10)` in process and reports
  nDCG@10   over (document title, article) pairs: each hit maps to its doc_title and article (or its
            measure title where a document has no 第X条 articles); repeats of a pair count once; a hit
            from a historical version gains nothing unless the judgement names that version's date;
            the ranking scored is the first 10 hits from the laws collection (documents the manifest
            lists with format laws-md): the judgements cover the laws only, so hits from other
            collections (corpus/) are left out, or with --keep-other count as irrelevant;
  clause@1  whether the top clause's text holds one of the key phrases AND comes from a grade-2 article;
  empty     whether a query judged to have no answer returned no hits;
  latency   wall time of each search call (after one warm-up query that opens the index).
One line per query, then a summary line in the style of ../shared/eval/score.py.

Usage:
  score_laws.py [--index index] [--queries laws_queries.tsv] [--keep-other] [-v]
                                                                     score against a built index
  score_laws.py --check ../shared/corpora/laws                         check every judgement against the corpus
                                                                     (title, article exist; current version)
Exit status 0 (--check: 1 when a judgement is wrong); the last line is the summary.
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_QUERIES = HERE / "laws_queries.tsv"
K = 10


@dataclass
class Judged:
    query: str
    grades: dict[tuple[str, str | None, str], int]   # (title, version date or None, article) -> grade
    keys: list[str]
    kind: str = ""
    line: int = 0

    @property
    def expects_nothing(self) -> bool:
        return self.keys == ["-"]


@dataclass
class Outcome:
    judged: Judged
    ndcg: float | None = None            # None for no-answer queries
    top_ok: bool | None = None
    empty_ok: bool | None = None
    latency: float = 0.0
    total: int = 0
    relaxed: bool = False
    ranked: list[tuple[tuple[str, str], int]] = field(default_factory=list)   # first K distinct pairs, gain
    top_text: str = ""
    others: int = 0                      # hits from other collections left out of the scored ranking
    error: str | None = None


def load(path) -> list[Judged]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t") + ["", "", ""]
        grades: dict = {}
        for entry in (e.strip() for e in cols[1].split(" ; ")):
            if not entry:
                continue
            pair, _, grade = entry.rpartition(":")
            title, _, article = pair.partition("|")
            if not title or not article or not grade.isdigit():
                raise ValueError(f"{path}:{n}: bad judgement {entry!r} (want 标题|条:grade)")
            title, _, version = title.partition("@")
            grades[(title.strip(), version.strip() or None, article.strip())] = int(grade)
        keys = [k for k in cols[2].split("|") if k]
        rows.append(Judged(cols[0], grades, keys, cols[3].strip(), n))
    return rows


def dcg(gains) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def grade_of(judged: Judged, hit: dict, historical: bool) -> int:
    label = hit.get("article") or hit.get("measure_title") or ""
    title = hit.get("doc_title", "")
    pinned = judged.grades.get((title, hit.get("version_date"), label))
    if pinned is not None:
        return pinned
    return 0 if historical else judged.grades.get((title, None, label), 0)


def evaluate(index, queries=DEFAULT_QUERIES, searcher=None, keep_other=False) -> list[Outcome]:
    from search_app.searcher import Searcher
    s = searcher or Searcher(index)
    gen = s.generation()
    docs = gen.manifest["documents"]

    def is_historical(doc_id):
        return bool(docs.get(doc_id, {}).get("meta", {}).get("historical"))

    def is_law(doc_id):
        return docs.get(doc_id, {}).get("format") == "laws-md"

    s.search("劳动合同", per_page=K)   # warm-up: open the index, load jieba, fill caches
    out = []
    for j in load(queries):
        o = Outcome(j)
        t0 = time.perf_counter()
        try:
            result = s.search(j.query, per_page=K if keep_other else 2 * K)
        except Exception as exc:  # a failing query is reported, not fatal
            o.error = f"{type(exc).__name__}: {exc}"
            out.append(o)
            continue
        o.latency = time.perf_counter() - t0
        hits = result["hits"]
        o.total, o.relaxed = result["total"], result["relaxed"]
        if j.expects_nothing:
            o.empty_ok = not hits           # any hit, from any collection, is wrong here
            o.top_text = hits[0]["text"] if hits else ""
            out.append(o)
            continue
        if not keep_other:   # the first K laws hits; count the others ranked among them
            kept = []
            for h in hits:
                if len(kept) == K:
                    break
                if is_law(h["doc_id"]):
                    kept.append(h)
                else:
                    o.others += 1
            hits = kept
        hits = hits[:K]
        o.top_text = hits[0]["text"] if hits else ""
        seen, gains = set(), []
        for h in hits:
            pair = (h.get("doc_title", ""), h.get("article") or h.get("measure_title") or "")
            hist = is_historical(h["doc_id"])
            if hist:
                pair = (pair[0] + "@" + str(h.get("version_date")), pair[1])
            if pair in seen:
                continue
            seen.add(pair)
            g = grade_of(j, h, hist)
            gains.append(g)
            o.ranked.append((pair, g))
        ideal = dcg(sorted(j.grades.values(), reverse=True)[:K])
        o.ndcg = dcg(gains[:K]) / ideal if ideal else 0.0
        top_grade = o.ranked[0][1] if o.ranked else 0
        o.top_ok = bool(hits) and top_grade == 2 and (not j.keys or any(k in o.top_text for k in j.keys))
        out.append(o)
    return out


def summary(outcomes: list[Outcome]) -> dict:
    scored = [o for o in outcomes if o.ndcg is not None]
    empties = [o for o in outcomes if o.empty_ok is not None]
    lat = [o.latency for o in outcomes if o.error is None]
    return {"ndcg": sum(o.ndcg for o in scored) / len(scored) if scored else 0.0,
            "top_ok": sum(bool(o.top_ok) for o in scored), "top_n": len(scored),
            "empty_ok": sum(bool(o.empty_ok) for o in empties), "empty_n": len(empties),
            "failed": sum(o.error is not None for o in outcomes), "n": len(outcomes),
            "latency_mean_ms": 1000 * statistics.mean(lat) if lat else 0.0,
            "latency_max_ms": 1000 * max(lat) if lat else 0.0}


def report(outcomes: list[Outcome], verbose=False, file=sys.stdout) -> dict:
    for o in outcomes:
        j = o.judged
        if o.error:
            print(f"FAIL  {j.query}: {o.error}", file=file)
            continue
        tag = f"[{j.kind}]" if j.kind else ""
        ms = f"{1000 * o.latency:5.0f}ms"
        if o.empty_ok is not None:
            print(f"  -  {'ok  ' if o.empty_ok else 'MISS'} {ms} {j.query} {tag}: {o.total} hits, none expected", file=file)
            continue
        relaxed = (" relaxed" if o.relaxed else "") + (f" ({o.others} other-collection hits left out)" if o.others else "")
        top = "".join(str(g) for _, g in o.ranked[:K])
        print(f"{o.ndcg:.2f} {'ok  ' if o.top_ok else 'MISS'} {ms} {j.query} {tag}: gains {top or '-'} "
              f"total {o.total}{relaxed} top {o.ranked[0][0] if o.ranked else None} {o.top_text[:30]!r}", file=file)
        if verbose:
            for (title, label), g in o.ranked[:K]:
                print(f"        {g} {title} {label}", file=file)
            found = {(t, lbl) for (t, lbl), _ in o.ranked[:K]}
            missing = [f"{t}{'@' + v if v else ''} {a}:{g}" for (t, v, a), g in j.grades.items()
                       if g == 2 and (t, a) not in found]
            if missing:
                print(f"        missing grade 2: {'; '.join(missing)}", file=file)
    s = summary(outcomes)
    print(f"nDCG@10 {s['ndcg']:.3f}  clause@1 {s['top_ok']}/{s['top_n']}  empty {s['empty_ok']}/{s['empty_n']}  "
          f"failed {s['failed']}/{s['n']}  latency mean {s['latency_mean_ms']:.0f} ms max {s['latency_max_ms']:.0f} ms",
          file=file)
    return s


# -- checking the judgements against the corpus --------------------------------------------------
def check(corpus, queries=DEFAULT_QUERIES) -> int:
    """Every judged (title, article) exists in the corpus, in the current version unless pinned."""
    sys.path.insert(0, str(HERE.parent.parent))
    from indexer.corpus import mark_versions
    from indexer.readers import laws_md
    root = Path(corpus)
    judged = load(queries)
    wanted = {t for j in judged for (t, _, _) in j.grades}
    by_title: dict[str, list[Path]] = {}
    for path in sorted(root.rglob("*.md")):
        titles = []
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            for line in f:
                if line.strip() == laws_md.MARKER:
                    break
                if line.startswith("# "):
                    titles.append(line[2:].strip())
        title = " ".join(titles)
        if title in wanted:
            by_title.setdefault(title, []).append(path)
    docs = {}
    for title, paths in by_title.items():
        read = [laws_md.read(p, str(p.relative_to(root)), relpath=p.relative_to(root)) for p in paths]
        mark_versions(read)
        docs[title] = read
    problems = 0
    for j in judged:
        for (title, version, article), _grade in j.grades.items():
            where = f"line {j.line} {j.query!r}: {title}{'@' + version if version else ''} {article}"
            versions = docs.get(title)
            if not versions:
                print(f"NO DOCUMENT  {where}")
                problems += 1
                continue
            if version:
                chosen = [d for d in versions if d.meta.get("version_date") == version]
            else:
                chosen = [d for d in versions if not d.meta.get("historical")]
            labels = {m.article or m.title for d in chosen for m in d.measures}
            if not chosen:
                print(f"NO VERSION   {where}")
                problems += 1
            elif article not in labels:
                print(f"NO ARTICLE   {where}")
                problems += 1
    pairs = sum(len(j.grades) for j in judged)
    print(f"checked {pairs} judgements of {len(judged)} queries against {root}: {problems} problems")
    return 1 if problems else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default="index", help="index folder (default: index)")
    ap.add_argument("--queries", default=str(DEFAULT_QUERIES), help="judged queries TSV")
    ap.add_argument("--check", metavar="CORPUS", help="check the judgements against the laws corpus instead")
    ap.add_argument("--keep-other", action="store_true",
                    help="score hits from other collections (corpus/) as irrelevant instead of leaving them out")
    ap.add_argument("-v", "--verbose", action="store_true", help="list each query's top pairs and missed grade-2s")
    args = ap.parse_args(argv)
    if args.check:
        return check(args.check, args.queries)
    report(evaluate(args.index, args.queries, keep_other=args.keep_other), verbose=args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
