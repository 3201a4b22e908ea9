#!/usr/bin/env python3
"""Build, query and update benchmarks on synthetic corpora, with the naive setup as the ratio to beat.

    python benchmarks/bench_build.py                          # 1k, 10k, 100k measures
    python benchmarks/bench_build.py --clauses 120000         # the 120k-clause target size only
    python benchmarks/bench_build.py --measures 1000 --clauses 120000 --engines ours2,naive
    python benchmarks/bench_build.py --laws ../shared/corpora/laws --measures 0   # the real collection

For every size: generate the corpus (cached under benchmarks/out/, git-ignored), then per engine
(ours2 = build_index(procs=2), ours1 = procs=1, naive = Whoosh + jieba ChineseAnalyzer, see
naive.py; limit = the design's speed limit measured on this machine, see limit.py), each step in
its own child process:

  build   wall seconds, CPU seconds (all processes of the build), clauses/s, index MB, peak memory:
          PSS summed over the build's process tree, sampled every 0.5 s (shared pages counted
          once), and the largest single-process max RSS (wait4 rusage)
  query   a mixed list of ≥200 queries (queries.py) in process: one untimed warm-up pass, then
          --passes timed passes through Searcher.search (page 1, 10 per page; naive: top 10 with
          stored fields); p50/p95/p99 and per-kind medians; the first query (opening the index)
          separately
  update  one document file of the work copy changed, update_index (naive: delete + re-add +
          commit): "cold" = first update in a fresh process (includes jieba start-up, as the CLI
          pays it), "warm" = a second document updated in the same process

The limit (jieba's search mode plus Whoosh's own cost for pre-tokenized text-only clauses, one
core each, both cores busy) is what issue #6's target is a share of (2,400 of ~2,900 clauses/s,
83 %, where it was set): each engine's build is reported as a share of the limit of the same run.

Also printed: load from other processes during each step (CPU busy on the machine minus our own
CPU time), because other developers share these 2 cores. Figures are printed, never asserted.
Results are also written to benchmarks/out/results-*.json and a markdown table to benchmarks/out/table.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

ENGINES = {"ours2": "ours procs=2", "ours1": "ours procs=1", "naive": "naive Whoosh+ChineseAnalyzer",
           "limit": "limit: jieba + Whoosh text-only, 2 cores"}


# ---------------------------------------------------------------------------------------------
# child side: one step, result as JSON in a file
# ---------------------------------------------------------------------------------------------
def dir_mb(path) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 2**20


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def child_build(a) -> dict:
    corpus_dirs = [Path(c) for c in a.corpus]
    if a.engine == "limit":
        import limit
        found = limit.measure(corpus_dirs)
        return dict(found, seconds=found["clauses"] / found["limit_clauses_per_s"])
    if a.engine == "naive":
        import naive
        t0 = time.perf_counter()
        stats = naive.build(corpus_dirs, a.index)
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "clauses": stats["clauses"], "documents": stats["documents"],
                "errors": stats["errors"], "index_mb": dir_mb(a.index)}
    from indexer.build import BuildError, build_index
    from indexer.store import IndexStore
    t0 = time.perf_counter()
    try:
        stats = build_index(corpus_dirs, a.index, procs=a.procs, skip_bad=a.skip_bad)
    except BuildError as exc:
        return {"error": f"BuildError: {exc}", "error_files": [str(e) for e in exc.errors[:5]],
                "seconds": time.perf_counter() - t0}
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "clauses": stats["clauses"], "documents": stats["documents"],
            "measures": stats["measures"], "engine_seconds": stats["seconds"], "skipped": len(stats["skipped"]),
            "skipped_sample": [str(e) for e in stats["skipped"][:5]],
            "index_mb": dir_mb(IndexStore(a.index).current)}


def child_query(a) -> dict:
    queries = json.loads(Path(a.query_file).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    if a.engine == "naive":
        import naive
        searcher = naive.NaiveSearcher(a.index)

        def run(q):
            r = searcher.search(q)
            return r["total"], False
    else:
        from search_app.searcher import QueryError, Searcher
        searcher = Searcher(a.index, cache=False)

        def run(q):
            try:
                r = searcher.search(q, page=1, per_page=10)
            except QueryError:
                return -1, False
            return r["total"], r["relaxed"]
    crashes: list[dict] = []

    def safe_run(q):
        """An engine exception is a finding: count it, keep the first few with their last frame."""
        try:
            return run(q)
        except Exception as exc:  # noqa: BLE001 - reported, not hidden
            import traceback
            if len(crashes) < 10 and not any(c["query"] == q for c in crashes):
                frames = traceback.extract_tb(exc.__traceback__)
                crashes.append({"query": q, "error": f"{type(exc).__name__}: {exc}",
                                "where": [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames[-6:]]})
            return -2, False
    first_q = queries[0][1]
    safe_run(first_q)
    first_ms = (time.perf_counter() - t0) * 1000
    by_kind: dict[str, list[float]] = {}
    all_ms, warm_ms = [], []
    zero, relaxed, errors, crashed = {}, {}, 0, 0
    slow: list[tuple] = []
    for pass_no in range(a.passes + 1):
        for kind, q in queries:
            t = time.perf_counter()
            total, was_relaxed = safe_run(q)
            ms = (time.perf_counter() - t) * 1000
            if pass_no == 0:
                warm_ms.append(ms)
                zero[kind] = zero.get(kind, 0) + (total == 0)
                relaxed[kind] = relaxed.get(kind, 0) + bool(was_relaxed)
                errors += total == -1
                crashed += total == -2
                continue
            all_ms.append(ms)
            by_kind.setdefault(kind, []).append(ms)
            slow.append((ms, kind, q, total))
    all_ms.sort()
    warm_ms.sort()
    return {"queries": len(queries), "passes": a.passes, "first_query_ms": first_ms,
            "p50_ms": percentile(all_ms, 50), "p95_ms": percentile(all_ms, 95), "p99_ms": percentile(all_ms, 99),
            "max_ms": all_ms[-1], "mean_ms": statistics.fmean(all_ms),
            "warmup_p50_ms": percentile(warm_ms, 50), "warmup_p95_ms": percentile(warm_ms, 95),
            "by_kind": {k: {"p50_ms": percentile(sorted(v), 50), "p95_ms": percentile(sorted(v), 95)}
                        for k, v in by_kind.items()},
            "zero_hits": zero, "relaxed": relaxed, "errors": errors, "crashed": crashed, "crashes": crashes,
            "slowest": [{"ms": ms, "kind": k, "query": q, "hits": t} for ms, k, q, t in sorted(slow, reverse=True)[:8]]}


def modify(path: Path, round_no: int) -> None:
    """Change one document file: a new paragraph on its first measure (the file stays valid)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        cells = line.split("\t")
        if len(cells) == 4 and cells[0].strip().isdigit():
            cells[2] += f" <p>本条为增量更新基准第{round_no}次修改新增的内容。</p>"
            lines[i] = "\t".join(cells)
            break
    else:
        # not a list file (a law): add a line at the end
        lines.append(f"本条为增量更新基准第{round_no}次修改新增的内容。")
    path.write_text("\n".join(lines), encoding="utf-8")


def child_update(a) -> dict:
    from indexer.corpus import discover
    corpus_dirs = [Path(c) for c in a.corpus]
    sources = [s for s in discover(corpus_dirs) if s.root == corpus_dirs[-1]]
    picks = [sources[len(sources) // 2], sources[(len(sources) // 2 + 1) % len(sources)]]
    out = {"doc": str(picks[0].path.name)}
    for label, src in zip(("cold", "warm"), picks):
        modify(src.path, 1)
        t0 = time.perf_counter()
        if a.engine == "naive":
            import naive
            naive.update(corpus_dirs, a.index, src.path, src.doc_id)
            result = {}
        else:
            from indexer.build import update_index
            result = update_index(corpus_dirs, a.index, skip_bad=a.skip_bad)
        out[f"{label}_s"] = time.perf_counter() - t0
        out[f"{label}_result"] = result
    if a.engine != "naive":
        from indexer.store import IndexStore
        manifest = IndexStore(a.index).manifest()
        out["doc_clauses"] = manifest["documents"][picks[0].doc_id]["clauses"]
    return out


def child_main(a) -> None:
    import jieba
    jieba.setLogLevel(60)
    result = {"build": child_build, "query": child_query, "update": child_update}[a.child](a)
    Path(a.result).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# parent side: run a child, sample its memory, collect
# ---------------------------------------------------------------------------------------------
def _cpu_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    with open("/proc/stat") as fh:
        vals = [int(v) for v in fh.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return sum(vals) - idle, sum(vals)


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _memory_kb(pid: int) -> tuple[int, int]:
    """(Pss, Rss) in kB of one process."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def wait_quiet(max_seconds: float, threshold: float = 0.3, window: float = 5.0) -> float:
    """Wait (at most max_seconds) until other processes use less than `threshold` cores over a
    `window`; returns the busy cores seen last. Other developers share this machine."""
    deadline = time.monotonic() + max_seconds
    while True:
        b0, _ = _cpu_busy()
        time.sleep(window)
        b1, _ = _cpu_busy()
        busy = (b1 - b0) / os.sysconf("SC_CLK_TCK") / window
        if busy < threshold or time.monotonic() >= deadline:
            return busy


QUIET = {"seconds": 0.0}


def run_child(step: str, engine: str, corpus_dirs, index: Path, result: Path, extra=(), log=None) -> dict:
    busy_before = wait_quiet(QUIET["seconds"]) if QUIET["seconds"] else None
    procs = {"ours2": 2, "ours1": 1}.get(engine, 1)
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", step, "--engine",
            engine if engine in ("naive", "limit") else "ours", "--procs", str(procs), "--index", str(index),
            "--result", str(result), *extra]
    for c in corpus_dirs:
        argv += ["--corpus", str(c)]
    result.unlink(missing_ok=True)
    busy0, total0 = _cpu_busy()
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT if log else None, cwd=str(REPO))
    peak = {"pss": 0, "rss": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            tree = _process_tree(proc.pid)
            mem = [_memory_kb(p) for p in tree]
            peak["pss"] = max(peak["pss"], sum(m[0] for m in mem))
            peak["rss"] = max(peak["rss"], sum(m[1] for m in mem))
            done.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    busy1, total1 = _cpu_busy()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = usage.ru_utime + usage.ru_stime
    other = max(0.0, (busy1 - busy0) / ticks - cpu) / wall if wall else 0.0
    out = {"engine_rev": engine_rev(), "exit": proc.returncode, "child_wall_s": wall, "cpu_s": cpu, "peak_pss_mb": peak["pss"] / 1024,
           "peak_rss_sum_mb": peak["rss"] / 1024, "max_rss_mb": usage.ru_maxrss / 1024, "other_load": other,
           "busy_before": busy_before}
    if result.is_file():
        out.update(json.loads(result.read_text(encoding="utf-8")))
    else:
        out["error"] = f"child exited with {proc.returncode} and no result"
    return out


# ---------------------------------------------------------------------------------------------
# the benchmark
# ---------------------------------------------------------------------------------------------
def engine_rev() -> str:
    """HEAD, with '+dirty' when indexer/ or search_app/ have uncommitted changes (others work in this tree)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "indexer", "search_app"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except OSError:
        return "?"


def machine_info() -> dict:
    import platform
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo") as fh:
            info["cpu"] = next(l.split(":", 1)[1].strip() for l in fh if l.startswith("model name"))
        with open("/proc/meminfo") as fh:
            info["ram_gb"] = round(int(fh.readline().split()[1]) / 2**20, 1)
    except (OSError, StopIteration):
        pass
    try:
        info["git"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                     text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "indexer", "search_app"], cwd=REPO,
                               capture_output=True, text=True).stdout.split("\n")
        info["engine_changes_not_committed"] = [l[3:] for l in dirty if l.strip()]
    except OSError:
        pass
    return info


def fmt(v, digits=1):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def table(rows) -> str:
    head = ["corpus", "clauses", "chars", "engine", "build s", "CPU s", "clauses/s", "× naive", "of limit", "index MB",
            "peak PSS MB", "max RSS MB", "q p50 ms", "q p95 ms", "q p99 ms", "update s cold/warm", "other load", "engine"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        b, q, u = r.get("build", {}), r.get("query", {}), r.get("update", {})
        if b.get("error"):
            lines.append(f"| {r['size']} | {fmt(r.get('clauses'))} | {fmt(r.get('chars'))} | {ENGINES.get(r['engine'], r['engine'])} | "
                         f"build failed: {b['error'][:120]} |" + " |" * (len(head) - 5))
            continue
        upd = f"{fmt(u.get('cold_s'), 2)} / {fmt(u.get('warm_s'), 2)}" if u else "–"
        lines.append("| " + " | ".join([
            r["size"], fmt(b.get("clauses")), fmt(r.get("chars")), ENGINES.get(r["engine"], r["engine"]),
            fmt(b.get("seconds")), fmt(b.get("cpu_s")), fmt(b.get("clauses_per_s"), 0),
            fmt(r.get("ratio"), 2) if r.get("ratio") else "–",
            f"{100 * r['of_limit']:.0f} %" if r.get("of_limit") else "–", fmt(b.get("index_mb")), fmt(b.get("peak_pss_mb"), 0),
            fmt(b.get("max_rss_mb"), 0), fmt(q.get("p50_ms"), 2), fmt(q.get("p95_ms"), 2), fmt(q.get("p99_ms"), 2),
            upd, fmt(b.get("other_load"), 2), b.get("engine_rev", "?")]) + " |")
    return "\n".join(lines)


def detail(rows) -> str:
    out = []
    for r in rows:
        q = r.get("query") or {}
        if not q.get("by_kind"):
            continue
        kinds = ", ".join(f"{k} {v['p50_ms']:.1f}/{v['p95_ms']:.1f}" for k, v in q["by_kind"].items())
        zero = sum(q.get("zero_hits", {}).values())
        out.append(f"{r['size']} {r['engine']}: first query {q['first_query_ms']:.0f} ms; warm-up pass p50/p95 "
                   f"{q['warmup_p50_ms']:.2f}/{q['warmup_p95_ms']:.2f} ms; per kind p50/p95 ms: {kinds}; "
                   f"{zero}/{q['queries']} queries without hits, {sum(q.get('relaxed', {}).values())} relaxed, "
                   f"{q.get('errors', 0)} query errors, {q.get('crashed', 0)} engine exceptions; "
                   f"other load during queries {q.get('other_load', 0):.2f}")
    return "\n".join(out)


def corpus_sizes(a):
    sizes = []
    measures = a.measures if a.measures is not None else ([] if a.clauses else [1000, 10000, 100000])
    for m in measures:
        if m:
            sizes.append((f"{m // 1000}k measures" if m % 1000 == 0 else f"{m} measures", OUT / f"corpus-m{m}",
                          {"measures": m}))
    for c in a.clauses or []:
        sizes.append((f"{c // 1000}k clauses" if c % 1000 == 0 else f"{c} clauses", OUT / f"corpus-c{c}",
                      {"clauses": c}))
    return sizes


def csv_ints(text):
    return [int(x) for x in text.split(",") if x.strip()]


def bench_size(label, corpus_dirs, engines, a, rows, log, chars=None, skip_bad=False):
    from queries import make_queries
    slug = label.replace(" ", "-").replace("+", "")
    work = OUT / "work"
    qfile = OUT / f"queries-{slug}.json"
    t = time.perf_counter()
    queries = make_queries(corpus_dirs, n=a.queries, seed=a.seed)
    qfile.write_text(json.dumps(queries, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"  {len(queries)} queries from the corpus in {time.perf_counter() - t:.1f} s → {qfile.name}", flush=True)
    size_rows = []
    for engine in engines:
        run_dir = work / f"{slug}-{engine}"
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True)
        # a private copy of the corpus: the update step edits one file
        copies = []
        for c in corpus_dirs:
            dst = run_dir / "corpus" / Path(c).name
            shutil.copytree(c, dst)
            copies.append(dst)
        index = run_dir / "index"
        row = {"size": label, "engine": engine, "chars": chars}
        print(f"  [{engine}] build …", flush=True)
        flags = ["--skip-bad"] if skip_bad else []
        b = run_child("build", engine, copies, index, run_dir / "build.json", extra=flags, log=log)
        if b.get("clauses") and b.get("seconds"):
            b["clauses_per_s"] = b["clauses"] / b["seconds"]
        row["build"] = b
        if engine == "limit" and not b.get("error"):
            print(f"  [limit] jieba search mode {b['jieba_chars_per_s']:,.0f} chars/s, Whoosh text-only pre-tokenized "
                  f"{b['whoosh_clauses_per_s']:,.0f} clauses/s (one core each): limit {b['limit_clauses_per_s']:,.0f} "
                  f"clauses/s on 2 cores, the issue's target (83 %) {b['target_clauses_per_s']:,.0f}", flush=True)
            rows.append(row)
            size_rows.append(row)
            continue
        if b.get("error"):
            print(f"  [{engine}] build failed: {b['error']}", flush=True)
            rows.append(row)
            size_rows.append(row)
            continue
        print(f"  [{engine}] {b['clauses']:,} clauses in {b['seconds']:.1f} s ({b['clauses_per_s']:,.0f}/s, "
              f"CPU {b['cpu_s']:.1f} s), {b['index_mb']:.1f} MB, peak PSS {b['peak_pss_mb']:.0f} MB, "
              f"other load {b['other_load']:.2f}" + (f"; {b['skipped']} unreadable files skipped, e.g. "
                                                       f"{b['skipped_sample'][:2]}" if b.get("skipped") else ""),
              flush=True)
        if not a.no_query:
            q = run_child("query", engine, copies, index, run_dir / "query.json",
                          extra=["--query-file", str(qfile), "--passes", str(a.passes), *flags], log=log)
            row["query"] = q
            if q.get("p50_ms") is not None:
                print(f"  [{engine}] query p50 {q['p50_ms']:.2f} ms, p95 {q['p95_ms']:.2f} ms, p99 {q['p99_ms']:.2f} ms "
                      f"(first {q['first_query_ms']:.0f} ms), other load {q['other_load']:.2f}", flush=True)
            else:
                print(f"  [{engine}] query failed: {q.get('error')}", flush=True)
            if q.get("slowest"):
                top = q["slowest"][0]
                print(f"  [{engine}] slowest query {top['ms']:.0f} ms: {top['kind']} {top['query']!r} ({top['hits']} hits)",
                      flush=True)
            for c in q.get("crashes") or []:
                print(f"  [{engine}] ENGINE EXCEPTION for {c['query']!r}: {c['error']} at {' < '.join(reversed(c['where']))}",
                      flush=True)
        if not a.no_update:
            u = run_child("update", engine, copies, index, run_dir / "update.json", extra=flags, log=log)
            row["update"] = u
            if u.get("cold_s") is not None:
                print(f"  [{engine}] update one document ({u.get('doc')}, {u.get('doc_clauses', '?')} clauses): "
                      f"cold {u['cold_s']:.2f} s, warm {u['warm_s']:.2f} s", flush=True)
            else:
                print(f"  [{engine}] update failed: {u.get('error')}", flush=True)
        if not a.keep:
            shutil.rmtree(index, ignore_errors=True)
        rows.append(row)
        size_rows.append(row)
    naive = next((r for r in size_rows if r["engine"] == "naive" and r["build"].get("clauses_per_s")), None)
    bound = next((r for r in size_rows if r["engine"] == "limit" and r["build"].get("clauses_per_s")), None)
    for r in size_rows:
        if r["engine"] in ("naive", "limit") or not r["build"].get("clauses_per_s"):
            continue
        if naive:
            r["ratio"] = r["build"]["clauses_per_s"] / naive["build"]["clauses_per_s"]
        if bound:
            r["of_limit"] = r["build"]["clauses_per_s"] / bound["build"]["clauses_per_s"]
            print(f"  [{r['engine']}] {r['build']['clauses_per_s']:,.0f} clauses/s = {100 * r['of_limit']:.0f} % of the "
                  f"limit (target 83 %)", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--measures", type=csv_ints, default=None,
                    help="comma-separated corpus sizes in measures (default 1000,10000,100000 unless --clauses)")
    ap.add_argument("--clauses", type=csv_ints, default=None, help="comma-separated sizes in clauses, e.g. 120000")
    ap.add_argument("--engines", default="limit,ours2,ours1,naive",
                    help="of limit (the design's limit on this machine, limit.py), ours2, ours1, naive")
    ap.add_argument("--laws", type=Path, default=None,
                    help="also benchmark the real collection, built together with corpus/ (as make run does)")
    ap.add_argument("--laws-engines", default="ours2", help="engines for --laws (naive takes long)")
    ap.add_argument("--queries", type=int, default=240, help="queries in the mixed list (≥ 200)")
    ap.add_argument("--passes", type=int, default=3, help="timed passes over the query list")
    ap.add_argument("--seed", type=int, default=7, help="seed of the query list")
    ap.add_argument("--corpus-seed", type=int, default=20240601)
    ap.add_argument("--no-query", action="store_true")
    ap.add_argument("--no-update", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the built indexes under benchmarks/out/work")
    ap.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                    help="before each step, wait up to SECONDS until other processes use < 0.3 cores")
    # child mode (internal)
    ap.add_argument("--child", choices=("build", "query", "update"), help=argparse.SUPPRESS)
    ap.add_argument("--engine", help=argparse.SUPPRESS)
    ap.add_argument("--procs", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--corpus", action="append", help=argparse.SUPPRESS)
    ap.add_argument("--index", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    ap.add_argument("--query-file", help=argparse.SUPPRESS)
    ap.add_argument("--skip-bad", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        return child_main(a)

    import gen_corpus
    engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        ap.error(f"unknown engines {sorted(unknown)}; use limit, ours2, ours1, naive")
    OUT.mkdir(exist_ok=True)
    QUIET["seconds"] = a.wait_quiet
    info = machine_info()
    print(f"machine: {json.dumps(info, ensure_ascii=False)}", flush=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    log_path = OUT / f"children-{stamp}.log"
    rows = []
    with open(log_path, "w") as log:
        for label, path, spec in corpus_sizes(a):
            t = time.perf_counter()
            cinfo = gen_corpus.cached(path, seed=a.corpus_seed, **spec)
            print(f"\n== {label}: {cinfo['measures']:,} measures, {cinfo['clauses']:,} clauses, "
                  f"{cinfo['characters']:,} characters, {cinfo['docs']} documents "
                  f"(corpus ready in {time.perf_counter() - t:.1f} s)", flush=True)
            bench_size(label, [path], engines, a, rows, log, chars=cinfo["characters"])
        if a.laws:
            laws = a.laws.resolve()
            from indexer.corpus import discover
            files = [src.path for src in discover([laws])]
            n_files = len(files)
            chars = sum(len(p.read_text(encoding="utf-8", errors="replace")) for p in files)
            print(f"\n== laws + corpus/: {laws} ({n_files} files, {chars:,} characters) with {REPO / 'corpus'}",
                  flush=True)
            laws_engines = [e.strip() for e in a.laws_engines.split(",") if e.strip()]
            # as `make run` does: --skip-bad, the unreadable files are named in the output
            bench_size("laws+corpus", [REPO / "corpus", laws], laws_engines, a, rows, log, chars=chars, skip_bad=True)
    print("\n" + table(rows))
    print("\n" + detail(rows))
    result_path = OUT / f"results-{stamp}.json"
    result_path.write_text(json.dumps({"machine": info, "args": {k: (str(v) if isinstance(v, Path) else v)
                                                                  for k, v in vars(a).items()},
                                       "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8")
    (OUT / "table.md").write_text(table(rows) + "\n\n" + detail(rows) + "\n", encoding="utf-8")
    print(f"\nresults: {result_path}\nchild output: {log_path}")


if __name__ == "__main__":
    sys.exit(main())
