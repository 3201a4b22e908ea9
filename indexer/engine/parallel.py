"""Building one index in several processes.

Each forked worker writes its share of the documents as Whoosh segments in a folder of its own;
the segments are then moved into the generation and listed in one table of contents. This is
what Whoosh's multi-process writer means to do, without the parent pickling every clause to the
workers (measured here, that writer kept both cores less than half busy). Workers inherit the
read documents and jieba's dictionary (loaded by the parent just before) by fork, so nothing
is serialised or loaded twice.
"""
from __future__ import annotations

import gc
import json
import multiprocessing
import os
import shutil
from pathlib import Path

from . import index as engine_index
from .patches import install

_WORK: tuple | None = None   # (docs, sources by id, analyzer, write function), inherited by forked workers

# Whoosh's posting pool keeps about this many MB of (estimated) postings in memory before it
# sorts them into a run file; real use is ~1.3x the estimate. The runs are merged at commit.
WORKER_LIMITMB = 128


def split(docs, parts: int) -> list[list[int]]:
    """Document indexes in `parts` shares of about equal text, each in reading order."""
    sizes = sorted(((sum(len(p) for m in d.measures for p in m.paragraphs), i) for i, d in enumerate(docs)),
                   reverse=True)
    shares: list[list[int]] = [[] for _ in range(parts)]
    loads = [0] * parts
    for size, i in sizes:
        k = loads.index(min(loads))
        shares[k].append(i)
        loads[k] += size
    return [sorted(s) for s in shares if s]


PR_SET_PDEATHSIG = 1   # linux/prctl.h


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this worker when its parent dies, even by SIGKILL (Linux prctl
    PR_SET_PDEATHSIG); elsewhere, a thread watching the parent's pid does it."""
    import signal
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        import threading
        import time

        def watch():
            while os.getppid() == parent_pid:
                time.sleep(0.5)
            os._exit(1)
        threading.Thread(target=watch, daemon=True).start()
        return
    if os.getppid() != parent_pid:    # the parent died before prctl took effect
        os._exit(1)


def _worker(part_dir: str, indexes: list[int], counts, parent_pid: int) -> None:
    die_with_parent(parent_pid)
    install()            # (inherited from the parent by fork; here for a worker started otherwise)
    assert _WORK is not None, "a worker runs in a process forked by build_parts"
    docs, by_id, analyzer, write_docs = _WORK
    from .schema import make_schema
    writer = engine_index.writer(engine_index.create_in(part_dir, make_schema(analyzer)), WORKER_LIMITMB)

    def done(clauses: int) -> None:       # documents and clauses so far, for the parent's progress
        with counts.get_lock():
            counts[0] += 1
            counts[1] += clauses

    summaries = write_docs(writer, [docs[i] for i in indexes], by_id, done)
    writer.commit()
    Path(part_dir, "summaries.json").write_text(json.dumps(summaries, ensure_ascii=False), encoding="utf-8")


def build_parts(gen: Path, docs, by_id, analyzer, write_docs, procs: int, progress=None, base=None) -> dict:
    """Index `docs` into the empty generation folder `gen` with `procs` workers; their summaries.
    `progress` (progress.Progress) is advanced from the workers' counts while they run. `base`
    (an update): the folder's index as (schema, segments, TOC generation), which the new segments
    join in the next table of contents."""
    global _WORK
    _WORK = (docs, by_id, analyzer, write_docs)
    ctx = multiprocessing.get_context("fork")
    counts = ctx.Array("q", 2)     # documents, clauses written by all workers
    workers = []
    from .analysis import prepare
    prepare(analyzer)     # jieba's dictionary, loaded once here, is shared by the workers' pages
    gc.freeze()           # the workers' collections leave the inherited objects (and their pages) alone
    try:
        for n, indexes in enumerate(split(docs, procs)):
            part = gen / f"part-{n}"
            part.mkdir()
            worker = ctx.Process(target=_worker, args=(str(part), indexes, counts, os.getpid()), daemon=True)
            worker.start()
            workers.append((worker, part))
        shown = [0, 0]
        for worker, _ in workers:
            while worker.exitcode is None:
                worker.join(timeout=1.0)
                if progress is not None:
                    now = [counts[0], counts[1]]
                    progress.advance(now[0] - shown[0], now[1] - shown[1])
                    shown = now
    finally:
        _WORK = None
        gc.unfreeze()
        for worker, _ in workers:
            if worker.is_alive():
                worker.kill()
    failed = [part.name for worker, part in workers if worker.exitcode != 0]
    if failed:
        raise RuntimeError(f"index worker(s) failed: {', '.join(failed)}")
    from .schema import make_schema
    segments, summaries = [], {}
    for _, part in workers:
        segments += engine_index.segments(part)
        summaries.update(json.loads((part / "summaries.json").read_text(encoding="utf-8")))
        for f in part.iterdir():
            if f.name.startswith("MAIN_") and not f.name.endswith("WRITELOCK"):
                os.replace(f, gen / f.name)
        shutil.rmtree(part)
    if base is None:
        engine_index.write_toc(gen, make_schema(analyzer), segments, 0)
    else:
        schema, old_segments, generation = base
        engine_index.write_toc(gen, schema, list(old_segments) + segments, generation + 1)
    return summaries
