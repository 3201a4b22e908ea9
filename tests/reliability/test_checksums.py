"""Damaged index files (issue 12, point 2): every generation carries checksums of its files
(checksums.json, written at build); a generation whose bytes no longer match answers 503 with the
rebuild hint on every searching route and on /healthz, a server on it starts anyway, `rollback`
refuses to switch to it and `check-index` names it (exit 3)."""
from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path

import pytest

from indexer import checksums
from search_app import create_app

from .conftest import get_json, http_get, policy_index


def live_gen(index: Path) -> Path:
    return index / (index / "CURRENT").read_text(encoding="utf-8").strip()


def largest_segment(gen: Path) -> Path:
    return max(gen.glob("*.seg"), key=lambda f: f.stat().st_size)


def overwrite_middle(path: Path, size: int = 64 * 1024) -> None:
    """Garble `size` bytes in the middle of the file, in place (same inode and length)."""
    length = path.stat().st_size
    start = max(0, length // 2 - size // 2)
    with open(path, "r+b") as fh:
        fh.seek(start)
        data = fh.read(min(size, length - start))
        fh.seek(start)
        fh.write(bytes(b ^ 0x5A for b in data))


def random_overwrites(path: Path, count: int = 200, size: int = 512, seed: int = 12) -> None:
    rng = random.Random(seed)
    length = path.stat().st_size
    with open(path, "r+b") as fh:
        for _ in range(count):
            fh.seek(rng.randrange(0, max(1, length - size)))
            fh.write(rng.randbytes(size))


@pytest.fixture
def index(hostile_index, tmp_path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(hostile_index, copy)
    return copy


def wait_for_503(client, path="/healthz", seconds=10.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        response = client.get(path)
        if response.status_code == 503:
            return response
        time.sleep(0.05)
    raise AssertionError(f"{path} never answered 503: {response.status_code} {response.get_data(as_text=True)[:300]}")


def test_build_writes_a_checksum_for_every_file(index):
    gen = live_gen(index)
    table = json.loads((gen / checksums.FILE).read_text(encoding="utf-8"))
    files = {f.name for f in gen.iterdir() if f.is_file() and f.name != checksums.FILE
             and not f.name.endswith("WRITELOCK")}          # (an empty lock file Whoosh leaves)
    assert table["algorithm"] == "crc32" and set(table["files"]) == files
    assert any(name.endswith(".seg") for name in files) and "manifest.json" in files
    assert checksums.verify(gen) is True


@pytest.mark.parametrize("damage", [overwrite_middle, random_overwrites], ids=["64KiB-middle", "200x512B"])
def test_a_damaged_segment_answers_503_with_the_hint_never_200_or_500(index, damage):
    damage(largest_segment(live_gen(index)))
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    for _ in range(3):
        response = client.get("/api/search?q=量子")
        assert response.status_code in (200, 503), response.status_code   # before the check ends: at most stale
    health = wait_for_503(client)
    body = health.get_json()
    assert body["ok"] is False and "fails its checksum" in body["error"] and "policy-index build" in body["hint"]
    for path in ("/api/search?q=量子", "/api/search?q=专利", "/api/suggest?q=量"):
        response = client.get(path)
        assert response.status_code == 503 and "policy-index build" in response.get_json()["error"], path
    page = client.get("/search?q=量子")
    assert page.status_code == 503 and "policy-index build" in page.get_data(as_text=True)


def test_a_file_damaged_under_a_running_searcher_is_noticed_by_healthz(index):
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    assert client.get("/api/search?q=量子").status_code == 200
    deadline = time.time() + 10
    while client.get("/healthz").get_json().get("verified") is not True and time.time() < deadline:
        time.sleep(0.05)
    assert client.get("/healthz").get_json()["verified"] is True
    overwrite_middle(largest_segment(live_gen(index)), size=4096)
    body = client.get("/healthz").get_json()                 # the files changed: read back again here
    assert body["ok"] is False and "fails its checksum" in body["error"]
    assert client.get("/api/search?q=专利质押").status_code == 503


def test_a_missing_or_shortened_file_is_refused_at_open(index):
    seg = largest_segment(live_gen(index))
    seg.write_bytes(seg.read_bytes()[:-10])
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    response = client.get("/api/search?q=量子")
    assert response.status_code == 503 and seg.name in response.get_json()["error"]


def test_server_starts_on_a_damaged_index_and_serves_503_until_a_rebuild(serve, index, hostile_corpus):
    random_overwrites(largest_segment(live_gen(index)))
    server = serve(index)
    deadline = time.time() + 20
    while time.time() < deadline:
        status, _, health = get_json(server.url + "/healthz")
        if status == 503:
            break
        time.sleep(0.1)
    assert status == 503 and "policy-index build" in health["hint"], health
    status, _, body = get_json(server.url + "/api/search?q=%E9%87%8F%E5%AD%90")
    assert status == 503 and "policy-index build" in body["error"]
    assert server.proc.poll() is None
    done = policy_index("build", "--corpus", hostile_corpus, "--index", index, "--no-progress")
    assert done.returncode == 0, done.stderr
    status, _, health = get_json(server.url + "/healthz")
    assert status == 200 and health["ok"]
    assert http_get(server.url + "/api/search?q=%E9%87%8F%E5%AD%90")[0] == 200
    assert "Traceback" not in server.log_text()


def test_rollback_refuses_a_damaged_previous_generation(index, hostile_corpus):
    old = live_gen(index)
    done = policy_index("build", "--corpus", hostile_corpus, "--index", index, "--no-progress")
    assert done.returncode == 0, done.stderr
    live = (index / "CURRENT").read_text(encoding="utf-8")
    overwrite_middle(largest_segment(old), size=1024)
    done = policy_index("rollback", "--index", index)
    assert done.returncode == 3, done.stderr
    assert done.stderr.count("\n") == 1 and "fails its checksum" in done.stderr and "policy-index build" in done.stderr
    assert (index / "CURRENT").read_text(encoding="utf-8") == live          # nothing switched


def test_check_index_exits_0_on_a_sound_index_and_3_on_a_damaged_one(index):
    done = policy_index("check-index", "--index", index)
    assert done.returncode == 0 and "matches its checksum" in done.stdout, done.stderr
    overwrite_middle(largest_segment(live_gen(index)), size=512)
    done = policy_index("check-index", "--index", index)
    assert done.returncode == 3 and done.stderr.count("\n") == 1 and "fails its checksum" in done.stderr


def test_query_cli_on_a_shortened_segment_exits_3(index):
    import subprocess
    import sys
    seg = largest_segment(live_gen(index))
    seg.write_bytes(seg.read_bytes()[:-1])
    done = subprocess.run([sys.executable, "-m", "search_app", "query", "--index", str(index), "量子"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3 and "policy-index build" in done.stderr


def test_a_generation_built_before_checksums_still_opens(index):
    (live_gen(index) / checksums.FILE).unlink()
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    assert client.get("/api/search?q=量子").status_code == 200
    assert client.get("/healthz").get_json()["ok"] is True
