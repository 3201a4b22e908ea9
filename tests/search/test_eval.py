"""The judged dev queries (../shared/eval), scored through the real CLI as `make eval` does.

Guards ranking quality: a change that helps one query and quietly hurts the others fails here.
Without ../shared beside the checkout it skips, and fails under CI=true (a gate that did not run).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import SHARED, require_shared_eval

EVAL = SHARED / "eval"
SUMMARY = re.compile(r"nDCG@10 (?P<ndcg>[\d.]+)\s+clause@1 (?P<c1>\d+)/(?P<cn>\d+)\s+"
                     r"empty (?P<e1>\d+)/(?P<en>\d+)\s+failed (?P<failed>\d+)/(?P<total>\d+)")


@pytest.fixture(scope="session", autouse=True)      # session: checked before the seed index is built
def shared_eval():
    return require_shared_eval()


def test_dev_queries_score(seed_index):
    """nDCG@10 ≥ 0.95 over measures, every top clause holds a key phrase, the no-answer query finds nothing."""
    search = [str(Path(sys.executable).parent / "policy-search"), "query", "--index", str(seed_index),
              "--json", "--limit", "10"]
    done = subprocess.run([sys.executable, str(EVAL / "score.py"), str(EVAL / "dev_queries.tsv"), "--", *search],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    m = SUMMARY.fullmatch(last)
    assert m, last
    report = f"\n{done.stdout}"
    assert float(m["ndcg"]) >= 0.95, report
    assert (m["c1"], m["cn"]) == ("11", "11"), report
    assert (m["e1"], m["en"]) == ("1", "1"), report
    assert m["failed"] == "0", report
