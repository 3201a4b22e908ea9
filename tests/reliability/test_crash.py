"""kill -9 of `policy-index build` and `update` at seeded-random points: the live index stays whole
and searchable, the builders' lock dies with the process (filelock's flock is released by the
kernel), and a rerun succeeds without --wait."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

from .conftest import copy_seed_many, policy_index

pytestmark = pytest.mark.crash

COPIES = 20            # documents: the seed list under 20 names, a build of a few seconds
KILLS = 4              # killed builds, then killed updates
SEED = 20261125


def spawn(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "indexer", *map(str, args), "--no-progress"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_after(proc: subprocess.Popen, delay: float) -> bool:
    """SIGKILL after `delay` s; True when it was still running (a real kill, not a finished run)."""
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True
    finally:
        proc.stderr.close()


def assert_whole(index: Path, expected: dict):
    """CURRENT names a complete generation that a fresh Searcher opens and answers as before."""
    from search_app.searcher import Searcher
    from indexer.store import IndexStore
    store = IndexStore(index)
    current = store.current
    assert current is not None and current.is_dir(), current
    manifest = store.manifest()
    assert manifest is not None and len(manifest["documents"]) == expected["documents"]
    searcher = Searcher(index)
    health = searcher.health()
    assert health["ok"] and health["clauses"] == expected["clauses"], health
    result = searcher.search("专利质押", per_page=50)
    assert result["total"] == expected["total"]
    return current.name


def file_digests(gen: Path) -> dict[str, str]:
    import hashlib
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in gen.iterdir() if f.is_file()}


def assert_lock_free(index: Path):
    from indexer.store import IndexStore
    with IndexStore(index).lock(timeout=0):     # IndexBusy if a dead builder still held it
        pass


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    base = tmp_path_factory.mktemp("crash")
    corpus = copy_seed_many(base / "corpus", COPIES)
    index = base / "index"
    done = policy_index("build", "--corpus", corpus, "--index", index, "--no-progress")
    assert done.returncode == 0, done.stderr
    # how long a build takes here, to spread the kills over all of it
    seconds = float(done.stdout.split(" in ")[1].split(" s")[0])
    from search_app.searcher import Searcher
    s = Searcher(index)
    expected = {"documents": COPIES, "clauses": s.health()["clauses"], "total": s.search("专利质押", per_page=50)["total"]}
    return corpus, index, expected, seconds


def test_kill_9_during_build_leaves_the_live_index_whole(big):
    corpus, index, expected, seconds = big
    rng = random.Random(SEED)
    live = assert_whole(index, expected)
    killed = 0
    for _attempt in range(KILLS + 4):            # a kill that came too late (build done) does not count
        delay = rng.uniform(0.2, 1.0 + seconds * 1.1)
        proc = spawn("build", "--corpus", corpus, "--index", index)
        if kill_after(proc, delay):
            killed += 1
        now = assert_whole(index, expected)
        if now != live:                          # the build finished (or published) before the kill
            live = now
        assert_lock_free(index)
        if killed >= KILLS:
            break
    assert killed >= KILLS - 1, f"only {killed} builds were killed while running"
    done = policy_index("build", "--corpus", corpus, "--index", index, "--no-progress")
    assert done.returncode == 0, done.stderr
    assert assert_whole(index, expected) != live


def test_kill_9_during_update_leaves_the_live_index_whole(big):
    corpus, index, expected, seconds = big
    rng = random.Random(SEED + 1)
    extra = corpus / "extra-copy.txt"
    extra.write_text((corpus / "copy-001.txt").read_text(encoding="utf-8").replace("专利", "专有", 3),
                     encoding="utf-8")
    try:
        live = assert_whole(index, expected)
        for _ in range(KILLS):
            delay = rng.uniform(0.2, 2.0)
            before = file_digests(index / live)      # update hard-links these files into its generation
            proc = spawn("update", "--corpus", corpus, "--index", index)
            kill_after(proc, delay)
            from indexer.store import IndexStore
            if len(IndexStore(index).manifest()["documents"]) == COPIES + 1:
                # it published before the kill landed (or finished): whole, then undo so the
                # next round has work again
                done = policy_index("rollback", "--index", index)
                assert done.returncode == 0, done.stderr
            docs = len(IndexStore(index).manifest()["documents"])
            assert docs == COPIES, "a killed update must not publish"
            assert assert_whole(index, expected) == live
            assert file_digests(index / live) == before, "the live generation's files were modified"
            assert_lock_free(index)
        done = policy_index("update", "--corpus", corpus, "--index", index, "--no-progress")
        assert done.returncode == 0, done.stderr
        assert "1 added" in done.stdout
    finally:
        extra.unlink()
    done = policy_index("update", "--corpus", corpus, "--index", index, "--no-progress")
    assert done.returncode == 0, done.stderr
    assert_whole(index, expected)


def test_lock_of_a_killed_builder_is_released(tmp_path):
    """filelock takes an flock on index/.lock; the kernel drops it when the holder dies, so the
    leftover .lock file never blocks the next builder."""
    index = tmp_path / "index"
    code = ("import sys, time\nfrom indexer.store import IndexStore\n"
            "with IndexStore(sys.argv[1]).lock():\n    print('locked', flush=True)\n    time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(index)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        from indexer.store import IndexBusy, IndexStore
        with pytest.raises(IndexBusy, match=str(index / ".lock")):
            with IndexStore(index).lock(timeout=0):
                pass
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        holder.stdout.close()
    assert (index / ".lock").exists()           # the file stays; the lock on it does not
    assert_lock_free(index)                     # timeout=0: taken at once, or IndexBusy


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (a dead worker not yet reaped by init)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_kill_9_of_a_parallel_build_takes_its_workers_with_it(tmp_path):
    """Index workers die with their parent (PR_SET_PDEATHSIG): a killed build leaves no process
    writing into the index folder for minutes."""
    corpus = copy_seed_many(tmp_path / "corpus", 600)   # workers busy for seconds
    proc = spawn("build", "--corpus", corpus, "--index", tmp_path / "index", "--procs", "2")
    workers, deadline = [], time.time() + 120
    while len(workers) < 2 and time.time() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.02)
    try:
        assert len(workers) >= 2, "the build finished before its workers could be seen"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.time() + 2                # the kernel kills them at once; they had seconds of work left
        while any(_running(w) for w in workers) and time.time() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _running(w)], "workers outlived their killed parent"
    finally:
        proc.stderr.close()
        for w in workers:
            if _running(w):
                os.kill(w, signal.SIGKILL)
