"""The term arrays a finished generation carries must be Whoosh's postings exactly, be written
afresh for every generation (never shared with the one it was copied from), and be optional."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from indexer.build import build_index, update_index
from indexer.engine import evaluate, term_arrays
from indexer.engine.index import open_dir
from search_app.searcher import Searcher
from tests.conftest import copy_corpus


@pytest.fixture(scope="module")
def updated(tmp_path_factory):
    """An index built, then updated: two segments, replaced clauses deleted, two generations."""
    base = tmp_path_factory.mktemp("arrays")
    corpus = copy_corpus(base / "corpus")
    build_index([corpus], base / "index")
    first = Searcher(base / "index").generation().path
    seed = next(corpus.glob("shanxi*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8").replace("专利权质押融资", "知识产权质押融资"), encoding="utf-8")
    update_index([corpus], base / "index")
    return base, first, Searcher(base / "index").generation().path


def whoosh_postings(searcher, field, btext):
    parts = list(evaluate._blocks(searcher, field, btext))
    return (np.concatenate([p[0] for p in parts]).tolist(),
            np.concatenate([np.asarray(p[1], dtype=np.float64) for p in parts]).tolist())


@pytest.mark.parametrize("field", term_arrays.FIELDS)
def test_every_term_holds_whooshs_postings_deleted_documents_included(updated, field):
    _, _, gen = updated
    arrays = term_arrays.TermArrays.open(gen, field)
    with open_dir(gen).searcher() as s:
        reader = s.reader()
        assert reader.has_deletions() and len(list(reader.leaf_readers())) > 1, "the fixture must delete and add"
        terms = list(reader.lexicon(field))
        assert len(arrays.index) == len(terms) and (terms or field in ("chapter", "article"))   # the seed lists have neither
        for btext in terms:
            docs, weights = arrays.get(btext)
            assert (docs.tolist(), weights.tolist()) == whoosh_postings(s, field, btext), btext
    assert arrays.get("从未出现的词".encode()) is None


def test_an_updated_generation_writes_its_own_arrays_and_checksums_them(updated):
    _, first, gen = updated
    for name in [n for field in term_arrays.FIELDS for n in term_arrays.files(field)]:
        assert os.stat(first / name).st_ino != os.stat(gen / name).st_ino, name
    word = "知识产权".encode()   # more clauses hold it after the update
    before, after = term_arrays.TermArrays.open(first, "text"), term_arrays.TermArrays.open(gen, "text")
    assert len(after.get(word)[0]) > len(before.get(word)[0])
    listed = json.loads((gen / "checksums.json").read_text(encoding="utf-8"))["files"]
    assert {n for field in term_arrays.FIELDS for n in term_arrays.files(field)} <= set(listed)


def test_a_generation_without_arrays_answers_the_same_through_whoosh(updated, tmp_path):
    base, _, gen = updated
    with_arrays = Searcher(base / "index", cache=False)
    assert with_arrays.generation().postings.arrays
    bare = tmp_path / "gen-bare"   # the same generation, its term arrays left out
    bare.mkdir()
    for f in gen.iterdir():
        if not term_arrays.is_term_array_file(f.name):
            os.link(f, bare / f.name)
    listed = json.loads((bare / "checksums.json").read_text(encoding="utf-8"))
    listed["files"] = {k: v for k, v in listed["files"].items() if not term_arrays.is_term_array_file(k)}
    os.unlink(bare / "checksums.json")
    (bare / "checksums.json").write_text(json.dumps(listed), encoding="utf-8")
    (tmp_path / "CURRENT").write_text("gen-bare\n", encoding="utf-8")
    without = Searcher(tmp_path, cache=False)
    assert not without.generation().postings.arrays
    for q in ("知识产权质押", "融资", "科技 -融资", "企业怎么申请专利权质押融资"):
        assert without.search(q) == with_arrays.search(q), q


def test_a_damaged_term_array_makes_the_generation_unavailable_naming_the_file(tmp_path):
    """Same size, garbage header: the generation is refused on opening, with the file to blame."""
    from search_app.searcher import IndexUnavailable
    corpus = copy_corpus(tmp_path / "corpus")
    build_index([corpus], tmp_path / "index")
    gen = Searcher(tmp_path / "index").generation().path
    damaged = gen / "text.starts.npy"
    data = bytearray(damaged.read_bytes())
    data[:16] = b"\x00" * 16
    os.unlink(damaged)   # (its own inode: the build's file is not changed in place)
    damaged.write_bytes(bytes(data))
    with pytest.raises(IndexUnavailable, match="text.starts.npy"):
        Searcher(tmp_path / "index").search("专利质押")
