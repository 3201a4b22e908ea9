"""Progress in a log: plain lines at an interval (not carriage-return redraws), and the last state."""
from __future__ import annotations

import io
import re
import time

from indexer.progress import Progress


def test_a_log_gets_a_line_every_interval_and_a_last_line():
    log = io.StringIO()                    # not a terminal, as stderr under make run in a service
    progress = Progress(40, "indexing", stream=log, interval=0.05)
    for _ in range(40):
        progress.advance(1, 10)
        time.sleep(0.005)
    progress.close()
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert 3 <= len(lines) <= 12                      # about one per 0.05 s over 0.2 s, not one per document
    assert lines[-1].startswith("indexing: 40/40 documents, 400 clauses (")
    assert all(re.match(r"indexing: \d+/40 documents, \d+ clauses \(.*elapsed, about .* left\)$", l) for l in lines)
