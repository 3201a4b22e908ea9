"""Progress of a build or update that reads well on a terminal and in a log.

On a terminal: tqdm's bar, redrawn in place. Anywhere else (make run under a service manager,
a CI log, `2> build.log`): one plain line every INTERVAL seconds (documents, clauses, rate, time
left) and a last line when done, instead of silence or carriage-return redraws.
"""
from __future__ import annotations

import sys

INTERVAL = 5.0     # seconds between progress lines in a log


class _Lines:
    """A file for tqdm that turns each redraw into a line of its own."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").replace("\x1b[A", "").strip()
        if text:
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()


class Progress:
    """advance(docs, clauses) as documents are indexed; close() prints the last state."""

    def __init__(self, total: int, desc: str, stream=None, interval: float = INTERVAL):
        from tqdm import tqdm
        stream = stream or sys.stderr
        tty = hasattr(stream, "isatty") and stream.isatty()
        self.clauses = 0
        self.bar = tqdm(total=total, desc=desc, unit="doc", file=stream if tty else _Lines(stream),
                        mininterval=0.2 if tty else interval, maxinterval=interval * 2,
                        bar_format=None if tty else
                        "{desc}: {n_fmt}/{total_fmt} documents{postfix} ({rate_fmt}, {elapsed} elapsed, "
                        "about {remaining} left)",
                        dynamic_ncols=tty, postfix="0 clauses")

    def advance(self, docs: int = 1, clauses: int = 0) -> None:
        self.clauses += clauses
        self.bar.set_postfix_str(f"{self.clauses} clauses", refresh=False)
        self.bar.update(docs)

    def close(self) -> None:
        self.bar.close()
