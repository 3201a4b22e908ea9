"""A field's postings as flat arrays beside a generation's segments, mapped into memory to search.

Reading a term through Whoosh's block decoding costs 0.1–1 ms of Python (pickled blocks, zlib,
delta decoding), and a reader's question reads some 20 terms the server has not seen yet. So when
a generation is finished, every term of the text field is written once as (document numbers,
weights) into .npy files: a term's postings are then two slices of arrays the operating system
keeps in its page cache, shared by every worker process. They hold deleted documents too (the
reader's live mask applies to them as to Whoosh's postings), and checksums.json covers them like
every other file of the generation. A generation without them is read through Whoosh, as before.

    gen-…/text.terms.npy     every term's UTF-8 bytes, one after another (uint8)
    gen-…/text.bounds.npy    term i is terms[bounds[i]:bounds[i+1]] (int64)
    gen-…/text.starts.npy    term i's postings are docs[starts[i]:starts[i+1]] (int64)
    gen-…/text.docs.npy      document numbers, sorted within a term (int32)
    gen-…/text.weights.npy   the postings' weights (term frequencies: float32 when exact)
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

FIELDS = ("text", "measure_title", "chapter", "doc_id", "article")   # what questions, keywords, filters and asked words read most
PARTS = ("terms", "bounds", "starts", "docs", "weights")
SUFFIX = ".npy"


def files(field: str) -> list[str]:
    return [f"{field}.{part}{SUFFIX}" for part in PARTS]


def is_term_array_file(name: str) -> bool:
    """Whether a generation's file is one of these (a copied generation writes its own)."""
    return any(name in files(field) for field in FIELDS)


def write(gen, open_searcher, fields=FIELDS, procs=1) -> None:
    """The fields' postings, as Whoosh reads them through `open_searcher()`'s searchers, into the
    generation's files (each written beside and renamed: never into a file another generation
    shares by hard link). With procs > 1, that many processes read a share of the terms each."""
    gen = Path(gen)
    for field in fields:
        with open_searcher() as s:
            terms = list(s.reader().lexicon(field)) if field in s.schema else []
        shares = np.array_split(np.arange(len(terms)), max(1, min(procs, len(terms) // 1000)))
        jobs = [(open_searcher, field, terms[int(share[0]):int(share[-1]) + 1]) for share in shares if len(share)]
        if len(jobs) > 1:
            with ProcessPoolExecutor(len(jobs), mp_context=multiprocessing.get_context("fork")) as pool:
                parts = list(pool.map(_read_terms, jobs))
        else:
            parts = [_read_terms(job) for job in jobs]
        counts = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        bounds = np.concatenate([[0], np.cumsum([len(t) for t in terms])]).astype(np.int64)
        weight = np.concatenate([p[2] for p in parts]) if parts else np.empty(0)
        if np.array_equal(weight.astype(np.float32), weight):
            weight = weight.astype(np.float32)
        arrays: dict[str, np.ndarray] = {
            "terms": np.frombuffer(b"".join(terms), dtype=np.uint8), "bounds": bounds, "starts": starts,
            "docs": np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.int32), "weights": weight}
        for part, name in zip(PARTS, files(field)):
            tmp = gen / (name + ".tmp")
            with open(tmp, "wb") as fh:
                np.save(fh, arrays[part], allow_pickle=False)
            os.replace(tmp, gen / name)


def _read_terms(job):
    """(postings per term, document numbers, weights) of these terms, in their order."""
    from .evaluate import read_postings   # the engine's one posting reader
    open_searcher, field, terms = job
    counts = np.zeros(len(terms), dtype=np.int64)
    docs, weights = [], []
    with open_searcher() as s:
        for i, btext in enumerate(terms):
            ids, found = read_postings(s, field, btext)
            docs.append(ids.astype(np.int32))
            weights.append(found)
            counts[i] = len(ids)
    return (counts, np.concatenate(docs) if docs else np.empty(0, np.int32),
            np.concatenate(weights) if weights else np.empty(0))


class TermArrays:
    """One field's term arrays of a generation, memory-mapped; None from open() without them."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.docs, self.weights, self.starts = arrays["docs"], arrays["weights"], arrays["starts"]
        blob, bounds = arrays["terms"].tobytes(), arrays["bounds"]
        self.index = {blob[bounds[i]:bounds[i + 1]]: i for i in range(len(bounds) - 1)}
        if len(self.starts) != len(bounds) or self.starts[-1] != len(self.docs) or len(self.docs) != len(self.weights):
            raise ValueError("term arrays of different lengths")

    @classmethod
    def open(cls, gen, field: str) -> TermArrays | None:
        paths = [Path(gen) / name for name in files(field)]
        if not all(p.is_file() for p in paths):
            return None
        return cls({part: np.load(p, mmap_mode="r", allow_pickle=False) for part, p in zip(PARTS, paths)})

    def get(self, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """(document numbers, weights as float64) of the term; None when the field lacks it."""
        i = self.index.get(btext)
        if i is None:
            return None
        start, end = int(self.starts[i]), int(self.starts[i + 1])
        return np.asarray(self.docs[start:end]), self.weights[start:end].astype(np.float64)


def open_all(gen, fields=FIELDS) -> dict[str, TermArrays]:
    """The generation's term arrays by field (none for a generation written without them)."""
    found = {field: TermArrays.open(gen, field) for field in fields}
    return {field: arrays for field, arrays in found.items() if arrays is not None}
