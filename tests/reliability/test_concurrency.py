"""16 clients search the real server (`policy-search serve`, waitress) while `policy-index build`
and `policy-index update` run again and again as separate processes: every request is answered
(200, well-formed JSON or a page) from a complete index — the seed document's results never
change, and a document being added, changed and removed is either wholly there or wholly not."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from urllib.parse import quote

import pytest

from tests.conftest import copy_corpus

from .conftest import SEED_DOC, http_get, policy_index

CLIENTS = 16
PAUSE = 0.2       # between one client's requests: 16 clients stay concurrent without starving the builder
TOGGLE = "toggle-doc.txt"
TOGGLE_V1 = """并发测试清单

序号\t改革举措\t主要内容\t责任部门
1\t量子密钥分发试点\t开展量子密钥分发试点。推动量子密钥网络建设。\t省科技厅
"""
TOGGLE_V2 = TOGGLE_V1 + "2\t量子密钥标准\t完善量子密钥标准体系。\t省科技厅\n"   # one measure more: 1 → 2 hits


@pytest.fixture
def live(tmp_path, serve):
    """A corpus (seed list only), its index, and a real server on it."""
    from indexer.build import build_index
    corpus = copy_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build_index([corpus], index)
    return corpus, index, serve(index, threads=8)


def fetch_json(url):
    status, headers, body = http_get(url, timeout=60)
    assert headers.get_content_type() == "application/json", (url, status)
    return status, json.loads(body.decode("utf-8"))


def test_sixteen_clients_during_builds_and_updates(live):
    corpus, index, server = live
    base = server.url
    seed_q = "/api/search?q=" + quote("专利质押") + "&per_page=50"
    toggle_q = "/api/search?q=" + quote("量子密钥") + "&per_page=50"
    status, reference = fetch_json(base + seed_q)
    assert status == 200 and reference["total"] > 0
    reference_ids = [h["clause_id"] for h in reference["hits"]]
    _, health = fetch_json(base + "/healthz")
    seed_clauses = health["clauses"]

    stop = threading.Event()
    problems: list[str] = []
    counts: Counter = Counter()
    generations: set = set()
    toggle_totals: set = set()
    lock = threading.Lock()

    def problem(text):
        with lock:
            problems.append(text)
        stop.set()

    def client(n: int):
        kinds = ["seed", "toggle", "suggest", "health", "page", "doc"]
        i = n
        while not stop.is_set():
            kind = kinds[i % len(kinds)]
            i += 1
            try:
                if kind == "seed":
                    status, data = fetch_json(base + seed_q)
                    if status != 200 or [h["clause_id"] for h in data["hits"]] != reference_ids:
                        problem(f"seed query changed: {status} {str(data)[:300]}")
                elif kind == "toggle":
                    status, data = fetch_json(base + toggle_q)
                    if status != 200 or not all(h["doc_id"] == "toggle-doc" for h in data["hits"]):
                        problem(f"toggle query: {status} {str(data)[:300]}")
                    with lock:
                        toggle_totals.add(data["total"])
                elif kind == "suggest":
                    status, data = fetch_json(base + "/api/suggest?q=" + quote("专利"))
                    if status != 200 or not isinstance(data.get("suggestions"), list):
                        problem(f"suggest: {status} {data}")
                elif kind == "health":
                    status, data = fetch_json(base + "/healthz")
                    if status != 200 or not data["ok"] or data["clauses"] < seed_clauses:
                        problem(f"health: {status} {data}")
                    with lock:
                        generations.add(data["generation"])
                elif kind == "page":
                    status, _, body = http_get(base + "/search?q=" + quote("专利质押"), timeout=60)
                    if status != 200 or "共找到" not in body.decode("utf-8"):
                        problem(f"page: {status}")
                else:
                    status, _, body = http_get(base + f"/doc/{SEED_DOC}", timeout=60)
                    if status != 200:
                        problem(f"document page: {status}")
            except Exception as exc:  # noqa: BLE001 - a refused connection, a timeout, bad JSON: all failures
                problem(f"{kind}: {type(exc).__name__}: {exc}")
            with lock:
                counts[kind] += 1
            time.sleep(PAUSE)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    steps = []
    whole_totals = {0}            # the toggle document's matches: absent, version 1, version 2
    try:
        def run(*args):
            t0 = time.time()
            # one document of two comes and goes: a shrink by design here
            done = policy_index(*args, "--corpus", corpus, "--index", index, "--no-progress", "--allow-shrink")
            steps.append((args[0], done.returncode, round(time.time() - t0, 1), sum(counts.values())))
            assert done.returncode == 0, done.stderr

        time.sleep(0.5)
        run("build")
        (corpus / TOGGLE).write_text(TOGGLE_V1, encoding="utf-8")
        run("update")                                           # added
        whole_totals.add(fetch_json(base + toggle_q)[1]["total"])
        (corpus / TOGGLE).write_text(TOGGLE_V2, encoding="utf-8")
        run("update")                                           # changed
        whole_totals.add(fetch_json(base + toggle_q)[1]["total"])
        (corpus / TOGGLE).unlink()
        run("update")                                           # removed
        run("build")
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=90)
    assert not [t for t in threads if t.is_alive()], "a client hung"
    assert not problems, (problems[:5], steps)
    assert sum(counts.values()) >= 200, counts
    assert min(counts.values()) >= 10, counts
    # the server switched generations under load, and saw the toggled document come and go whole
    assert len(generations) >= 4, generations
    assert len(whole_totals) == 3, whole_totals               # the change did change the count
    assert toggle_totals <= whole_totals, (toggle_totals, whole_totals)
    assert toggle_totals >= {0}, toggle_totals
    assert "Traceback" not in server.log_text() and "ERROR" not in server.log_text(), server.log_text()[-2000:]
