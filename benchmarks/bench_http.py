#!/usr/bin/env python3
"""HTTP load on `policy-search serve`: 16 concurrent clients on /api/search over 127.0.0.1.

    python benchmarks/bench_http.py                        # the 120k-clause synthetic index (built once, cached)
    python benchmarks/bench_http.py --index index --duration 20 --clients 16
    python benchmarks/bench_http.py --tool python          # without wrk
    python benchmarks/bench_http.py --workers 2            # serve --workers 2 (gunicorn, one process per core)
    python benchmarks/bench_http.py --workers 2 --rate 300 # 16 clients sending 300 requests/s in all, open loop

Starts `policy-search serve --host 127.0.0.1 --port <free port> --workers N` on the index, waits for
/healthz, checks one answer, warms up for --warmup seconds, then drives /api/search with the
mixed query list (queries.py: words, ANDs, phrases, 部门: filters, -word, relaxed questions),
cycling through it, for --duration seconds with --clients connections (keep-alive).
Two modes (--mode both, the default): "repeat" cycles the 240-query list, so after the warm-up
the server's result cache answers (readers' queries do repeat); "fresh" cycles ≥ 2,000 distinct
queries (4x the cache) with clients spread over the list, so every request is computed afresh.

Load generator: wrk when installed (Debian: `apt-get install -y wrk`), with a Lua script that
cycles the query paths and prints p50/p95/p99 itself; otherwise a Python thread pool with
http.client keep-alive connections (its own GIL shares the 2 cores with the server, so it
under-reports the server's capacity a little more than wrk does). Both are closed loops: 16
clients asking as fast as they are answered measure the server saturated, where a request's wait
is the other 15's work. --rate R asks for an open loop instead (the Python generator): R requests/s
in all on a fixed schedule, latency counted from when each was due. Prints requests/s, latency
p50/p95/p99/max, errors (connect/read/timeouts and non-2xx), the server's CPU use summed over its
process tree (gunicorn's master and workers), and the CPU that other processes on the machine took
meanwhile (all busy CPU in /proc/stat less the server's and the load generator's).
Only 127.0.0.1; every loop is bounded in time and count. Figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

MAX_REQUESTS = 2_000_000  # a bound for the Python load generator, whatever the duration


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_index(clauses: int) -> Path:
    """The synthetic corpus of `clauses` clauses, built with procs=2 into benchmarks/out/; rebuilt when
    the corpus or the last commit touching indexer/ changes."""
    import gen_corpus
    corpus = OUT / f"corpus-c{clauses}"
    gen_corpus.cached(corpus, clauses=clauses)
    index = OUT / f"http-index-c{clauses}"
    stamp = index / "built-from.json"
    engine = subprocess.run(["git", "log", "-1", "--format=%H", "--", "indexer"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    info = (corpus / "corpus.json").read_text(encoding="utf-8") + f"\nindexer {engine}\n"
    if not (stamp.is_file() and stamp.read_text(encoding="utf-8") == info and (index / "CURRENT").is_file()):
        shutil.rmtree(index, ignore_errors=True)
        print(f"building {index} from {corpus} (procs=2) …", flush=True)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sys; from indexer.build import build_index; "
                        "print(build_index([sys.argv[1]], sys.argv[2], procs=2))", str(corpus), str(index)],
                       check=True, cwd=str(REPO))
        print(f"built in {time.perf_counter() - t:.0f} s", flush=True)
        stamp.write_text(info, encoding="utf-8")
    return index


def server_cache_size() -> int:
    try:
        from search_app.generation import RESULT_CACHE_SIZE
        return RESULT_CACHE_SIZE
    except ImportError:
        return 0


def query_paths(index: Path, n: int, seed: int) -> list[str]:
    from indexer.store import IndexStore
    from queries import make_queries
    manifest = IndexStore(index).manifest()
    if manifest is None:
        raise SystemExit(f"no index in {index}")
    roots = [Path(r) for r in manifest["corpus_roots"]]
    missing = [r for r in roots if not r.is_dir()]
    if missing:
        raise SystemExit(f"the index's corpus folders are gone ({missing}); the query list is drawn from them")
    paths = ["/api/search?" + urllib.parse.urlencode({"q": q}) for _kind, q in make_queries(roots, n=n, seed=seed)]
    return list(dict.fromkeys(paths))  # distinct, in order


def question_paths(path: Path) -> list[str]:
    """/api/search paths of a question file (queries.read_questions)."""
    from queries import read_questions
    return ["/api/search?" + urllib.parse.urlencode({"q": text}) for text in read_questions(path)]


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (its own threads, not its children), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(fields[i]) for i in (11, 12)) / os.sysconf("SC_CLK_TCK")


def tree_pids(pid: int) -> list[int]:
    """The process and its descendants (serve --workers N: gunicorn's master and its workers)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return found


def tree_cpu_seconds(pid: int) -> dict[int, float]:
    return {p: proc_cpu_seconds(p) for p in tree_pids(pid)}


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine spent busy (not idle or waiting for I/O), from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_quiet(max_seconds: float, threshold: float = 0.3, window: float = 5.0) -> float:
    """Wait (at most max_seconds) until the machine is less than `threshold` cores busy over a
    `window` (the server is idle then: this is other developers' load); returns the busy cores
    seen last. Like bench_build.py --wait-quiet."""
    deadline = time.monotonic() + max_seconds
    while True:
        b0 = busy_cpu_seconds()
        time.sleep(window)
        busy = (busy_cpu_seconds() - b0) / window
        if busy < threshold or time.monotonic() >= deadline:
            return busy


def own_cpu_seconds() -> float:
    """This script's CPU (the Python load generator) and its waited children's (wrk)."""
    import resource
    return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))


def start_server(index: Path, port: int, threads: int, log, workers: int = 1):
    exe = Path(sys.executable).parent / "policy-search"
    cmd = [str(exe) if exe.exists() else "policy-search", "serve", "--index", str(index), "--host", "127.0.0.1",
           "--port", str(port), "--threads", str(threads), "--workers", str(workers)]
    env = {k: v for k, v in os.environ.items() if k != "POLICY_SEARCH_WORKERS"}
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=str(REPO), env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}; see {log.name}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            body = json.loads(resp.read())
            conn.close()
            if resp.status == 200 and body.get("ok"):
                return proc, body
        except (OSError, ValueError, http.client.HTTPException):
            pass
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("server did not become healthy within 120 s")


# ---------------------------------------------------------------------------------------------
# wrk
# ---------------------------------------------------------------------------------------------
WRK_LUA = r"""
local paths = {%(paths)s}
local counter = 0
local threads = {}
setup = function(thread)
  thread:set("offset", math.floor(counter * #paths / %(threads)d))
  counter = counter + 1
  table.insert(threads, thread)
end
s4xx = 0
s5xx = 0
response = function(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1 elseif status >= 400 then s4xx = s4xx + 1 end
end
local i = 0
init = function(args)
  i = tonumber(wrk.thread:get("offset")) or 0
end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  local c4, c5 = 0, 0
  for _, t in ipairs(threads) do
    c4 = c4 + (tonumber(t:get("s4xx")) or 0)
    c5 = c5 + (tonumber(t:get("s5xx")) or 0)
  end
  io.write(string.format('STATUS {"4xx": %%d, "5xx": %%d}\n', c4, c5))
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, ' ..
    '"timeout": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
"""


def run_wrk(port, paths, clients, duration, threads) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_LUA % {"paths": ", ".join(json.dumps(p) for p in paths), "threads": threads})
        script = fh.name
    try:
        cmd = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{duration}s", "--timeout", "10s",
               "-s", script, f"http://127.0.0.1:{port}"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    finally:
        os.unlink(script)
    line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result:\n{out.stdout}\n{out.stderr}")
    r = json.loads(line[7:])
    status_line = next((l for l in out.stdout.splitlines() if l.startswith("STATUS ")), None)
    classes = json.loads(status_line[7:]) if status_line else {}
    seconds = r["duration_us"] / 1e6
    return {"tool": f"wrk -t{threads} -c{clients}", "requests": r["requests"], "seconds": seconds,
            "rps": r["requests"] / seconds, "p50_ms": r["p50_us"] / 1000, "p95_ms": r["p95_us"] / 1000,
            "p99_ms": r["p99_us"] / 1000, "max_ms": r["max_us"] / 1000, "mean_ms": r["mean_us"] / 1000,
            "errors": {**{k: r[k] for k in ("connect", "read", "write", "status", "timeout")}, **classes}}


# ---------------------------------------------------------------------------------------------
# Python fallback
# ---------------------------------------------------------------------------------------------
def run_python(port, paths, clients, duration, max_requests=MAX_REQUESTS, rate=None) -> dict:
    """Keep-alive clients, each sending its next request when the last is answered; with a rate,
    open loop instead: together they send `rate` requests/s on a fixed schedule (each client one
    every clients/rate s), and a latency counts from the time the request was due, so an answer
    that comes late delays the next request and that wait is counted too."""
    deadline = time.monotonic() + duration
    lock = threading.Lock()
    latencies: list[float] = []
    errors = {"connect": 0, "read": 0, "status": 0, "timeout": 0, "4xx": 0, "5xx": 0}
    issued = [0]

    interval = clients / rate if rate else None
    start = time.perf_counter()

    def client(offset, k):
        conn = None
        i = offset
        due = start + k * interval / clients if interval else None
        while time.monotonic() < deadline:
            with lock:
                if issued[0] >= max_requests:
                    return
                n = issued[0]
                issued[0] += 1
            # a single pass (max_requests ≤ paths) takes the paths in turn, so each is asked once
            path = paths[n] if max_requests <= len(paths) else paths[i % len(paths)]
            i += 1
            t = time.perf_counter()
            if due is not None:
                if due > t:
                    time.sleep(due - t)
                t, due = due, due + interval
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    latencies.append(ms)
                    if not 200 <= resp.status < 300:
                        errors["status"] += 1
                        errors["5xx" if resp.status >= 500 else "4xx"] += 1
            except TimeoutError:
                with lock:
                    errors["timeout"] += 1
                conn = None
            except (ConnectionError, http.client.HTTPException, OSError):
                with lock:
                    errors["read" if conn is not None else "connect"] += 1
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    t0 = time.perf_counter()
    workers = [threading.Thread(target=client, args=(k * len(paths) // clients, k), daemon=True)
               for k in range(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(duration + 30)
    seconds = time.perf_counter() - t0
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] if latencies else None

    tool = f"python http.client × {clients}" + (f", {rate:g} req/s scheduled (open loop)" if rate else "")
    return {"tool": tool, "requests": len(latencies), "seconds": seconds,
            "rps": len(latencies) / seconds, "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "max_ms": latencies[-1] if latencies else None,
            "mean_ms": sum(latencies) / len(latencies) if latencies else None, "errors": errors}


def report(r, clauses, threads, server_cpu):
    print(f"\n[{r['mode']}] {r['tool']} for {r['seconds']:.1f} s against {clauses:,} clauses "
          f"(server workers {r['server_workers']} × threads {threads}, {r['paths']} distinct query paths):")
    print(f"  requests/s      {r['rps']:.1f}  ({r['requests']:,} requests)")
    print(f"  latency ms      p50 {r['p50_ms']:.1f}   p95 {r['p95_ms']:.1f}   p99 {r['p99_ms']:.1f}   "
          f"max {r['max_ms']:.1f}   mean {r['mean_ms']:.1f}")
    print(f"  errors          {r['errors']}  (4xx: refused queries, e.g. only function words; 5xx: server errors)")
    per = "" if len(r["process_cores"]) < 2 else \
        "  (" + ", ".join(f"{k} {v:.2f}" for k, v in r["process_cores"].items()) + ")"
    print(f"  server CPU      {server_cpu:.2f} cores (of {os.cpu_count()}){per}")
    print(f"  load generator  {r['loadgen_cores']:.2f} cores; other processes {r['other_cores']:.2f} cores; "
          f"load average before {r['loadavg_before']}", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=None,
                    help="a built index folder (default: the synthetic --clauses index, built once)")
    ap.add_argument("--clauses", type=int, default=120000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--duration", type=float, default=20, help="seconds of measured load per mode (≤ 600)")
    ap.add_argument("--warmup", type=float, default=5, help="seconds of unmeasured load first, per mode")
    ap.add_argument("--threads", type=int, default=8, help="server threads per process (serve --threads)")
    ap.add_argument("--workers", type=int, default=1,
                    help="server processes (serve --workers): 1 is waitress, 2 or more gunicorn")
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    ap.add_argument("--mode", choices=("repeat", "fresh", "both"), default="both",
                    help="repeat: the 240-query list over and over (after the warm-up the server's result "
                         "cache answers); fresh: a list of distinct queries 4x longer than the server's "
                         "result cache, cycled so that no query is asked again while still cached")
    ap.add_argument("--rate", type=float, default=None, metavar="REQ_PER_S",
                    help="open loop: the clients together send this many requests/s on a fixed schedule, "
                         "latency counted from when each request was due (the Python load generator); "
                         "default: closed loop, each client as fast as the server answers")
    ap.add_argument("--queries", type=int, default=240, help="queries in the repeat list")
    ap.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                    help="before each measured run, wait up to SECONDS until other processes use < 0.3 cores")
    ap.add_argument("--questions", type=Path, default=None, metavar="FILE",
                    help="fresh mode asks these instead of the generated list: one question a line, or a TSV "
                         "whose second column is the question (../shared/eval/stard/train.tsv); the first "
                         "--queries of them warm the server up, the rest are measured, each asked once")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    a.duration = min(a.duration, 600)
    a.warmup = min(a.warmup, 120)
    tool = a.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
        if tool == "python":
            print("wrk not found: using the Python load generator (install wrk: apt-get install -y wrk)", flush=True)
    elif tool == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk (Debian), or use --tool python")

    OUT.mkdir(exist_ok=True)
    index = a.index or default_index(a.clauses)
    cache = server_cache_size()
    modes = {}
    if a.mode in ("repeat", "both"):
        modes["repeat"] = query_paths(index, a.queries, a.seed)
    if a.mode in ("fresh", "both") and a.questions:
        asked = question_paths(a.questions)
        warm, modes["fresh"] = asked[:a.queries], asked[a.queries:]
        if not modes["fresh"]:
            raise SystemExit(f"{a.questions}: no question left to measure after the --queries {a.queries} warming up")
    elif a.mode in ("fresh", "both"):
        warm = query_paths(index, a.queries, a.seed + 2)
        seen = set(warm) | set(modes.get("repeat", []))
        modes["fresh"] = [p for p in query_paths(index, max(a.queries, 4 * cache, 1000), a.seed + 1) if p not in seen]
    port = free_port()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "search_app", "indexer"],
                           cwd=REPO, capture_output=True, text=True).stdout.split("\n")
    dirty = [line[3:] for line in dirty if line.strip()]
    if dirty:
        commit += " + uncommitted " + ", ".join(dirty)
    print(f"code: {commit}", flush=True)
    log_path = OUT / "http-server.log"
    results = []
    with open(log_path, "w") as log:
        server, health = start_server(index, port, a.threads, log, a.workers)
        try:
            pids = tree_pids(server.pid)
            workers = f" (workers {', '.join(map(str, pids[1:]))})" if len(pids) > 1 else ""
            print(f"server pid {server.pid}{workers} on 127.0.0.1:{port}: {health['clauses']:,} clauses, "
                  f"{health['documents']} documents; server result cache {cache} entries; load tool {tool}",
                  flush=True)
            for mode, paths in modes.items():
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", paths[-1])
                resp = conn.getresponse()
                sample = json.loads(resp.read())
                conn.close()
                print(f"[{mode}] {len(paths)} distinct query paths; check: {resp.status}, {sample.get('total')} hits "
                      f"for {sample.get('query')!r}", flush=True)

                def load(seconds, paths=paths, rate=None):
                    if rate:
                        return run_python(port, paths, a.clients, seconds, rate=rate)
                    if tool == "wrk":
                        return run_wrk(port, paths, a.clients, max(1, round(seconds)), a.wrk_threads)
                    return run_python(port, paths, a.clients, seconds)

                if mode == "repeat":
                    # every path once (16 clients, each on its own share), so the measured run sees
                    # the steady state of a repeated query list: answers from the result cache. Each
                    # worker process has its own cache: one pass per worker (and the timed warm-up
                    # below) before the measured run
                    for _ in range(a.workers):
                        w = run_python(port, paths, a.clients, 600, max_requests=len(paths))
                        print(f"[{mode}] warm-up: each of the {len(paths)} paths once in {w['seconds']:.1f} s "
                              f"({w['rps']:.0f} req/s, p50 {w['p50_ms']:.1f} ms)", flush=True)
                if a.warmup > 0:
                    # fresh: warm up on other queries, so the measured ones are all new to the server
                    w = load(a.warmup, paths=warm if mode == "fresh" else paths)
                    print(f"[{mode}] warm-up: {w['rps']:.0f} req/s, p50 {w['p50_ms']:.1f} ms", flush=True)
                if a.wait_quiet > 0:
                    t = time.monotonic()
                    busy = wait_quiet(a.wait_quiet)
                    print(f"[{mode}] waited {time.monotonic() - t:.0f} s for a quiet machine: other processes "
                          f"{busy:.2f} cores", flush=True)
                loadavg = Path("/proc/loadavg").read_text().split()[:3]
                cpu0, busy0, own0 = tree_cpu_seconds(server.pid), busy_cpu_seconds(), own_cpu_seconds()
                t0 = time.perf_counter()
                r = load(a.duration, rate=a.rate)
                elapsed = time.perf_counter() - t0
                cpu1, busy1, own1 = tree_cpu_seconds(server.pid), busy_cpu_seconds(), own_cpu_seconds()
                per_process = {("master" if p == server.pid and len(cpu1) > 1 else str(p)):
                               (cpu1[p] - cpu0.get(p, 0.0)) / elapsed for p in cpu1}
                server_cpu = sum(per_process.values())
                loadgen = (own1 - own0) / elapsed
                r.update(mode=mode, paths=len(paths), clients=a.clients, server_threads=a.threads,
                         server_workers=a.workers, clauses=health["clauses"], server_cores=server_cpu,
                         process_cores=per_process, loadgen_cores=loadgen,
                         other_cores=max(0.0, (busy1 - busy0) / elapsed - server_cpu - loadgen),
                         loadavg_before=" ".join(loadavg), server_cache=cache, commit=commit)
                if mode == "fresh" and r["requests"] > len(paths):
                    r["note"] = f"{r['requests']} requests went round the {len(paths)} paths: some were cached"
                report(r, health["clauses"], a.threads, server_cpu)
                if r.get("note"):
                    print(f"  note            {r['note']}")
                results.append(r)
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    (OUT / "http-result.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
