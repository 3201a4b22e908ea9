"""Fixtures for the indexer tests: another process holding the builders' lock."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from indexer.store import IndexStore
    with IndexStore(sys.argv[1]).lock():
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
""")


@pytest.fixture
def lock_holder():
    """start(index_dir, seconds) → a process holding the index lock, as a second `policy-index build` would."""
    procs = []

    def start(root, seconds=30.0):
        proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(root), str(seconds)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout.readline().strip() == "locked"
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()
        proc.stdout.close()
