"""The segment writer's pieces alone: a grouped posting pool that yields what Whoosh's sorting pool
yields, and files that know their position. (That a whole index written with them reads the same
as Whoosh's own: test_build.py.)"""
from __future__ import annotations

import io
import pickle
import random
from array import array

import pytest
from whoosh.codec.base import OutOfOrderError
from whoosh.filedb.filestore import FileStorage

from indexer.engine.segment_writer import CountingFile, CountingStorage, TermGroups, TermPool


def random_postings(seed: int, docs: int = 400):
    """Postings as a writer adds them: document by document, several fields, terms repeating."""
    rng = random.Random(seed)
    words = [f"词{i}".encode() for i in range(60)]
    out = []
    for docnum in range(docs):
        for field in ("dept", "text", "measure_title"):
            for term in rng.sample(words, rng.randint(0, 6)):
                value = None if field == "dept" else pickle.dumps([rng.randint(0, 9)])
                out.append((field, term, docnum, float(rng.randint(1, 3)), value))
    return out


@pytest.mark.parametrize("limit", [10 ** 9, 4000, 300])
@pytest.mark.parametrize("seed", [1, 2])
def test_pool_yields_postings_in_whoosh_sorted_order_however_often_it_spills(tmp_path, limit, seed):
    items = random_postings(seed)
    pool = TermPool(FileStorage(str(tmp_path)), limit=limit)
    for item in items:
        pool.add(item)
    assert (len(pool.runs) > 2) == (limit < 10 ** 9)
    groups = pool.iter_postings()
    assert isinstance(groups, TermGroups)
    assert list(groups) == sorted(items)
    pool.cleanup()
    assert not list(tmp_path.glob("*.run"))


def test_many_spills_are_merged_into_one_run_before_they_need_too_many_open_files(tmp_path, monkeypatch):
    from indexer.engine import segment_writer
    monkeypatch.setattr(segment_writer, "MAX_RUNS", 5)
    items = random_postings(3)
    pool = TermPool(FileStorage(str(tmp_path)), limit=1)
    most = 0
    for item in items:
        pool.add(item)
        most = max(most, len(pool.runs))
    assert most == 5 and len(list(tmp_path.glob("*.run"))) == len(pool.runs) <= 5
    assert list(pool.iter_postings()) == sorted(items)
    pool.cleanup()
    assert not list(tmp_path.glob("*.run"))


def test_spelling_markers_are_not_postings(tmp_path):
    """Whoosh marks spelling words with document -1; its own writer skips them, so does the pool."""
    pool = TermPool(FileStorage(str(tmp_path)))
    pool.add(("text", b"a", 0, 1.0, b"x"))
    pool.add(("spell_text", b"a", -1, 1.0, None))
    assert list(pool.iter_postings()) == [("text", b"a", 0, 1.0, b"x")]


def test_pool_groups_hold_each_terms_documents_weights_and_values(tmp_path):
    pool = TermPool(FileStorage(str(tmp_path)), limit=200)
    pool.add_grouped(0, "text", [(b"a", 1.0, b"x"), (b"b", 2.0, b"y")])
    pool.add_grouped(1, "text", [(b"a", 3.0, b"z")])
    pool.add_grouped(2, "text", [(b"a", 1.5, b"w")])
    groups = [(f, t, list(ids), list(ws), vs) for f, t, ids, ws, vs in pool.iter_postings().groups]
    assert groups == [("text", b"a", [0, 1, 2], [1.0, 3.0, 1.5], [b"x", b"z", b"w"]),
                      ("text", b"b", [0], [2.0], [b"y"])]


def test_a_term_whose_documents_go_backwards_across_runs_is_refused(tmp_path):
    pool = TermPool(FileStorage(str(tmp_path)), limit=1)
    pool.add(("text", b"a", 5, 1.0, None))
    pool.save()
    pool.add(("text", b"a", 3, 1.0, None))
    with pytest.raises(OutOfOrderError, match="document 3 after 5"):
        list(pool.iter_postings())
    pool.cleanup()


def test_counting_file_reports_the_position_the_file_has(tmp_path):
    """Whoosh writes through write(), array.tofile() and pickle.dump(), and seeks back."""
    path = tmp_path / "f"
    f = CountingFile(io.FileIO(str(path), "wb"))
    f.write(b"abc")
    array("I", [1, 2, 3]).tofile(f)
    pickle.dump({"k": "值"}, f, 2)
    f.flush()
    assert f.tell() == len(path.read_bytes())
    f.seek(1)
    assert f.tell() == 1
    f.write(b"Z")
    f.seek(0, io.SEEK_END)
    end = f.tell()
    f.close()
    data = path.read_bytes()
    assert end == len(data) and data[:3] == b"aZc"


def test_our_storage_creates_counting_files_and_whoosh_storage_is_left_alone(tmp_path):
    """The position-counting files are our writers' (CountingStorage), not every Whoosh user's."""
    f = CountingStorage(str(tmp_path)).create_file("x.seg")
    assert isinstance(f.raw_file(), CountingFile)
    f.write_int(7)
    assert f.tell() == 4
    f.close()
    g = FileStorage(str(tmp_path)).create_file("y.seg")
    assert not isinstance(g.raw_file(), CountingFile)
    g.close()
    assert FileStorage.create_file is not CountingStorage.create_file


def test_the_pools_size_estimate_is_near_what_it_holds(tmp_path):
    """The memory limit means what it says: the estimate the pool spills by is within a fifth of
    the size of the arrays, lists and keys it holds (postings of repeating and rare terms)."""
    import sys
    rng = random.Random(9)
    words = [f"词{i}".encode() for i in range(3000)]
    pool = TermPool(FileStorage(str(tmp_path)), limit=10 ** 9)
    for docnum in range(3000):
        pool.add_grouped(docnum, "text", [(w, 1.0, b"v") for w in set(rng.choices(words, k=25))])
        pool.add_grouped(docnum, "dept", [(b"dept", 1.0, None)])
    real = sum(sys.getsizeof(terms) + sum(sys.getsizeof(t) + sys.getsizeof(g) + sum(map(sys.getsizeof, g))
                                          for t, g in terms.items()) for terms in pool.fields.values())
    assert 0.8 < pool.currentsize / real < 1.2, (pool.currentsize, real)
    merged = TermPool(FileStorage(str(tmp_path)), limit=10 ** 9)   # a merged segment's postings: own values
    for docnum in range(3000):
        merged.add(("text", rng.choice(words), docnum, 1.0, pickle.dumps([docnum, docnum + 1])))
    real = sum(sys.getsizeof(g[0]) + sys.getsizeof(g[1]) + sys.getsizeof(g[2]) + sum(map(sys.getsizeof, g[2]))
               + sys.getsizeof(t) + sys.getsizeof(g) for t, g in merged.fields["text"].items())
    assert 0.8 < merged.currentsize / real < 1.2, (merged.currentsize, real)
