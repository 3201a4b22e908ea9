"""Building and updating: a complete new generation, verified, then made live atomically.

Whatever goes wrong (a bad corpus file, another builder, changed dictionaries) the live index
keeps answering as before.
"""
from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from indexer.build import BuildError, build_index, update_index
from indexer.engine.schema import make_schema
from indexer.clauses import document_clauses
from indexer.model import CorpusError
from indexer.readers import read_document
from indexer.store import IndexBusy, IndexStore
from search_app.searcher import Searcher
from tests.conftest import CORPUS, SEED, copy_corpus

SEED_ID = SEED.removesuffix(".txt")
SEED_CLAUSES = len(document_clauses(read_document(CORPUS / SEED, SEED_ID)))

EXTRA = ("测试用科技创新清单\n\n序号\t改革举措\t主要内容\t责任部门\n"
         "1\t量子通信试点\t开展量子通信网络建设试点。支持共建实验平台。\t省科技厅\n")
BAD = "坏清单\n\n序号\t改革举措\t主要内容\t责任部门\n1\t只有三列\t内容。\n"


def hits(searcher, q):
    return searcher.search(q, per_page=50)["hits"]


def build_without(field, corpus_dir, index_dir, monkeypatch):
    """A build as the indexer made it before `field` joined the schema (monkeypatch undone after)."""
    import indexer.build as build

    def older_schema(analyzer):
        schema = make_schema(analyzer)
        schema.remove(field)
        return schema

    monkeypatch.setattr(build, "make_schema", older_schema)
    build_index([corpus_dir], index_dir)
    monkeypatch.undo()


def generations(index_dir):
    return sorted(p.name for p in index_dir.glob("gen-*"))


@pytest.fixture
def index_dir(tmp_path, corpus_dir):
    """A live index of this test's seed corpus folder (updates keep to the folders it was built from)."""
    build_index([corpus_dir], tmp_path / "index")
    return tmp_path / "index"


# -- build ----------------------------------------------------------------------------------------

def test_build_creates_a_live_generation_with_matching_counts(tmp_path, corpus_dir):
    summary = build_index([corpus_dir], tmp_path / "index")
    store = IndexStore(tmp_path / "index")
    assert store.current is not None and store.current.name == summary["generation"]
    assert (summary["documents"], summary["measures"], summary["clauses"]) == (1, 13, SEED_CLAUSES)
    assert summary["skipped"] == []
    manifest = store.manifest()
    entry = manifest["documents"][SEED_ID]
    assert (entry["measures"], entry["clauses"], entry["format"]) == (13, SEED_CLAUSES, "list")
    assert entry["sha256"] == hashlib.sha256((corpus_dir / SEED).read_bytes()).hexdigest()
    assert entry["title"] == "山西省支持创新相关改革措施推广清单"
    with whoosh_index.open_dir(str(store.current)).searcher() as s:
        assert s.doc_count() == SEED_CLAUSES


def test_second_build_keeps_the_first_as_previous(tmp_path, corpus_dir, index_dir):
    store = IndexStore(index_dir)
    first = store.current
    second = build_index([corpus_dir], index_dir)["generation"]
    assert store.current.name == second != first.name
    assert store.previous == first and first.is_dir()


def test_rollback_makes_the_previous_build_live_again(tmp_path, corpus_dir, index_dir):
    searcher = Searcher(index_dir)
    store = IndexStore(index_dir)
    first = store.current
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    second = build_index([corpus_dir], index_dir)["generation"]
    assert hits(searcher, "量子通信")
    assert store.rollback() == first
    assert store.previous.name == second
    assert hits(searcher, "量子通信") == []
    assert hits(searcher, "专利质押")


def test_bad_file_refuses_the_build_and_leaves_the_live_index(tmp_path, corpus_dir, index_dir):
    """A corpus with a malformed file is not half-indexed: BuildError names the file, nothing changes."""
    store = IndexStore(index_dir)
    live, before = store.current, generations(index_dir)
    (corpus_dir / "broken.txt").write_text(BAD, encoding="utf-8")
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    with pytest.raises(BuildError, match="failed the check") as err:
        build_index([corpus_dir], index_dir)
    [error] = err.value.errors
    assert isinstance(error, CorpusError)
    assert (error.path, error.line) == (str(corpus_dir / "broken.txt"), 4)
    assert str(error).startswith(f"{corpus_dir / 'broken.txt'}:4: ")
    assert store.current == live and generations(index_dir) == before
    searcher = Searcher(index_dir)
    assert hits(searcher, "专利质押") and hits(searcher, "量子通信") == []


def test_skip_bad_indexes_the_rest_and_names_the_bad_file(tmp_path, corpus_dir):
    (corpus_dir / "broken.txt").write_text(BAD, encoding="utf-8")
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    summary = build_index([corpus_dir], tmp_path / "index", skip_bad=True)
    assert summary["documents"] == 2
    assert len(summary["skipped"]) == 1 and "broken.txt:4" in summary["skipped"][0]
    assert IndexStore(tmp_path / "index").manifest()["skipped"] == summary["skipped"]
    searcher = Searcher(tmp_path / "index")
    assert hits(searcher, "量子通信") and hits(searcher, "专利质押")


def test_missing_corpus_folder_is_refused(tmp_path):
    with pytest.raises(CorpusError, match="corpus folder not found"):
        build_index([tmp_path / "nowhere"], tmp_path / "index")
    assert IndexStore(tmp_path / "index").current is None


def test_build_while_another_builder_holds_the_lock(tmp_path, corpus_dir, index_dir, lock_holder):
    """A second builder gets IndexBusy with a clear message; the live index is not touched."""
    live, before = IndexStore(index_dir).current, generations(index_dir)
    lock_holder(index_dir)
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    with pytest.raises(IndexBusy, match="another policy-index build or update is running"):
        build_index([corpus_dir], index_dir)
    with pytest.raises(IndexBusy, match="another policy-index build or update is running"):
        update_index([corpus_dir], index_dir)
    assert IndexStore(index_dir).current == live and generations(index_dir) == before


# -- update ---------------------------------------------------------------------------------------

def test_an_index_built_before_a_field_was_added_is_updated_in_its_own_schema(tmp_path, corpus_dir, monkeypatch):
    """An index made before the facts column (indexer/facts.py) takes new documents without it,
    and is searched as before; only a rebuild adds the column."""
    build_without("facts", corpus_dir, tmp_path / "index", monkeypatch)
    (corpus_dir / "extra.txt").write_text(EXTRA.replace("开展", "三年内开展"), encoding="utf-8")
    summary = update_index([corpus_dir], tmp_path / "index", procs=2)
    assert summary["added"] == 1
    assert "facts" not in whoosh_index.open_dir(IndexStore(tmp_path / "index").current).schema
    assert hits(Searcher(tmp_path / "index"), "量子通信试点多久")[0]["clause_id"] == "extra:1:1:1"

def test_update_adds_changes_and_removes_only_those_documents(tmp_path, corpus_dir, index_dir):
    """Each update re-indexes the touched document only; the seed's entry and clauses stay as they were."""
    searcher = Searcher(index_dir)
    store = IndexStore(index_dir)
    seed_entry = store.manifest()["documents"][SEED_ID]
    seed_doc = searcher.document(SEED_ID)
    extra = corpus_dir / "extra.txt"

    extra.write_text(EXTRA, encoding="utf-8")
    summary = update_index([corpus_dir], index_dir)
    assert (summary["added"], summary["changed"], summary["removed"]) == (1, 0, 0)
    found = hits(searcher, "量子通信")
    assert found[0]["clause_id"] == "extra:1:1:1" and {h["doc_id"] for h in found} == {"extra"}

    extra.write_text(EXTRA.replace("量子通信", "卫星遥感"), encoding="utf-8")
    summary = update_index([corpus_dir], index_dir)
    assert (summary["added"], summary["changed"], summary["removed"]) == (0, 1, 0)
    assert hits(searcher, "量子通信") == []
    found = hits(searcher, "卫星遥感")
    assert found[0]["clause_id"] == "extra:1:1:1" and {h["doc_id"] for h in found} == {"extra"}

    extra.unlink()
    summary = update_index([corpus_dir], index_dir, allow_shrink=True)   # half the documents go
    assert (summary["added"], summary["changed"], summary["removed"]) == (0, 0, 1)
    assert hits(searcher, "卫星遥感") == [] and searcher.document("extra") is None

    assert store.manifest()["documents"] == {SEED_ID: seed_entry}
    assert searcher.document(SEED_ID) == seed_doc
    assert searcher.health()["clauses"] == SEED_CLAUSES


def test_an_index_built_before_stored_segmentation_is_searched_and_updated(tmp_path, corpus_dir, monkeypatch):
    """Indexes from before clauses carried their segmentation (no `cuts` field) still highlight
    (by segmenting, as then) and take updates in their own schema."""
    build_without("cuts", corpus_dir, tmp_path / "index", monkeypatch)
    searcher = Searcher(tmp_path / "index")
    assert "cuts" not in searcher.generation().index.schema
    assert "<mark>专利</mark>权<mark>质押</mark>" in hits(searcher, "专利质押")[0]["highlight"]
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    update_index([corpus_dir], tmp_path / "index")
    found = hits(searcher, "量子通信")
    assert found[0]["doc_id"] == "extra" and "<mark>量子通信</mark>" in found[0]["highlight"]   # adjacent words: one mark
    assert "cuts" not in searcher.generation().index.schema


def test_update_of_a_changed_seed_reindexes_it(tmp_path, corpus_dir, index_dir):
    seed_file = corpus_dir / SEED
    seed_file.chmod(seed_file.stat().st_mode | stat.S_IWUSR)
    seed_file.write_text(seed_file.read_text(encoding="utf-8").replace("国税地税联合办税", "国税地税联合办税与量子通信"),
                         encoding="utf-8")
    assert update_index([corpus_dir], index_dir)["changed"] == 1
    found = hits(Searcher(index_dir), "量子通信")
    assert {h["measure_no"] for h in found} == {8}


def test_update_without_changes_keeps_the_generation(tmp_path, corpus_dir, index_dir):
    live = IndexStore(index_dir).current
    summary = update_index([corpus_dir], index_dir)
    assert (summary["added"], summary["changed"], summary["removed"]) == (0, 0, 0)
    assert summary["generation"] == live.name and IndexStore(index_dir).current == live


def test_update_leaves_the_previous_generation_whole(tmp_path, corpus_dir, index_dir):
    """Update shares the old generation's files; rolling back must give exactly the old index back."""
    store = IndexStore(index_dir)
    old_manifest = store.manifest()
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    update_index([corpus_dir], index_dir)
    store.rollback()
    assert store.manifest() == old_manifest
    searcher = Searcher(index_dir)
    assert hits(searcher, "量子通信") == [] and searcher.health()["clauses"] == SEED_CLAUSES


def test_update_refuses_a_bad_file_and_leaves_the_live_index(tmp_path, corpus_dir, index_dir):
    live = IndexStore(index_dir).current
    (corpus_dir / "broken.txt").write_text(BAD, encoding="utf-8")
    with pytest.raises(BuildError) as err:
        update_index([corpus_dir], index_dir)
    assert "broken.txt:4" in str(err.value.errors[0])
    assert IndexStore(index_dir).current == live


def test_update_needs_an_index(tmp_path, corpus_dir):
    with pytest.raises(BuildError, match="policy-index build"):
        update_index([corpus_dir], tmp_path / "index")


@pytest.mark.parametrize("resource, line", [("userdict.txt", "量子通信 1000"), ("synonyms.txt", "量子通信 量子通讯")])
def test_changed_dictionaries_need_a_full_build(tmp_path, corpus_dir, index_dir, resource, line):
    """User words and synonyms shape every token: an update cannot apply them, so it refuses."""
    live = IndexStore(index_dir).current
    path = corpus_dir / resource
    path.chmod(path.stat().st_mode | stat.S_IWUSR)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\n" + line + "\n")
    with pytest.raises(BuildError, match=r"policy-index build \(a full rebuild\)") as err:
        update_index([corpus_dir], index_dir)
    assert resource.split(".")[0] in str(err.value)
    assert IndexStore(index_dir).current == live


def test_parallel_build_indexes_the_same_clauses(tmp_path):
    """procs=2 splits the documents between forked workers and joins their segments in one
    generation: the same documents, clauses and hits as a one-process build."""
    from search_app.searcher import Searcher
    corpus = copy_corpus(tmp_path / "corpus")
    seed = (corpus / SEED).read_text(encoding="utf-8")
    for n in range(3):
        (corpus / f"copy-{n}.txt").write_text(seed.replace("山西省", f"第{n}省"), encoding="utf-8")
    one = build_index([corpus], tmp_path / "one")
    two = build_index([corpus], tmp_path / "two", procs=2)
    assert (two["documents"], two["clauses"]) == (one["documents"], one["clauses"]) == (4, 4 * 59)
    a, b = Searcher(tmp_path / "one"), Searcher(tmp_path / "two")
    for q in ("专利质押", "第2省", '"协议工资制"'):
        ra, rb = a.search(q, per_page=50), b.search(q, per_page=50)
        assert ra["total"] == rb["total"] > 0
        assert sorted(h["clause_id"] for h in ra["hits"]) == sorted(h["clause_id"] for h in rb["hits"])
    assert len(list((tmp_path / "two").glob("gen-*/part-*"))) == 0, "worker folders are cleaned up"


# -- verification of a new generation -------------------------------------------------------------

def test_a_generation_missing_clauses_is_refused_and_the_live_index_stays(tmp_path, corpus_dir, index_dir, monkeypatch):
    """verify() compares the clause count with the manifest: one clause short and nothing is published."""
    import indexer.build as build
    store = IndexStore(index_dir)
    live, before = store.current, generations(index_dir)
    real = build.doc_summary
    monkeypatch.setattr(build, "doc_summary", lambda doc, src, n: real(doc, src, n + 1))
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    with pytest.raises(BuildError, match="index holds"):
        build_index([corpus_dir], index_dir)
    with pytest.raises(BuildError, match="index holds"):
        update_index([corpus_dir], index_dir)
    assert store.current == live and generations(index_dir) == before
    assert hits(Searcher(index_dir), "量子通信") == []


@pytest.mark.parametrize("procs", [1, 2])
def test_a_damaged_new_generation_is_never_published(tmp_path, corpus_dir, index_dir, monkeypatch, procs):
    """A segment file that breaks between writing and switching (here: truncated) fails verify()."""
    import indexer.build as build
    store = IndexStore(index_dir)
    live, before = store.current, generations(index_dir)
    real = build.verify

    def damaged(gen, manifest):
        seg = max(gen.glob("*.seg"), key=lambda p: p.stat().st_size)
        seg.write_bytes(seg.read_bytes()[:1000])
        real(gen, manifest)

    monkeypatch.setattr(build, "verify", damaged)
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017  (whatever reading the truncated segment raises)
        build_index([corpus_dir], index_dir, procs=procs)
    assert store.current == live and generations(index_dir) == before
    assert hits(Searcher(index_dir), "专利质押") and hits(Searcher(index_dir), "量子通信") == []


@pytest.fixture
def two_segments(tmp_path):
    """A generation of two segments (procs=2 over two documents) and its manifest."""
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    build_index([corpus], tmp_path / "index", procs=2)
    store = IndexStore(tmp_path / "index")
    with whoosh_index.open_dir(str(store.current)).reader() as r:
        assert len(r.leaf_readers()) == 2
    return store.current, store.manifest()


def test_verify_probes_each_segment_without_walking_the_clauses(two_segments, monkeypatch):
    """The probe's cost does not grow with the index: it scores no clause through a collector
    (the former `Every()` probe collected all of them) and reads one or two stored records a segment."""
    from whoosh import collectors
    from whoosh.reading import SegmentReader
    from indexer.build import verify
    gen, manifest = two_segments
    collected, records = [], []
    real_collect, real_stored = collectors.ScoredCollector.collect, SegmentReader.stored_fields
    monkeypatch.setattr(collectors.ScoredCollector, "collect",
                        lambda self, n: collected.append(n) or real_collect(self, n))
    monkeypatch.setattr(SegmentReader, "stored_fields", lambda self, n: records.append(n) or real_stored(self, n))
    verify(gen, manifest)
    assert collected == [] and 2 <= len(records) <= 4


@pytest.mark.parametrize("broken, message", [
    ("stored_fields", "incomplete clause record"),
    ("postings", "found nothing"),
])
def test_verify_catches_a_segment_that_does_not_answer(two_segments, monkeypatch, broken, message):
    """A segment whose records or postings read back empty fails verification (the second segment
    here: every segment is probed, not just the first)."""
    from whoosh.matching import NullMatcher
    from whoosh.reading import SegmentReader
    from indexer.build import verify
    gen, manifest = two_segments
    real = getattr(SegmentReader, broken)
    seen = []

    def second_broken(self, *args, **kwargs):
        if self.segment() not in seen:
            seen.append(self.segment())
        if self.segment() != seen[0]:
            return {} if broken == "stored_fields" else NullMatcher()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SegmentReader, broken, second_broken)
    with pytest.raises(BuildError, match=message):
        verify(gen, manifest)
    assert len(seen) == 2


# -- the faster clause writer ---------------------------------------------------------------------

def index_content(gen: Path) -> dict:
    """Everything a reader can see of an index: postings with weights and encoded values, stored
    records, field lengths and columns."""
    from whoosh.codec.whoosh3 import W3Codec  # noqa: F401  (the codec the readers use)
    out = {}
    with whoosh_index.open_dir(str(gen)).reader() as r:
        schema = r.schema
        for name in schema.names():
            if schema[name].indexed:
                for term in r.lexicon(name):
                    m = r.postings(name, term)
                    rows = []
                    while m.is_active():
                        rows.append((m.id(), m.weight(), m.value()))
                        if m.supports_block_quality():
                            rows.append(("block", m.block_min_length(), m.block_max_length(), m.block_max_weight()))
                        m.next()
                    ti = r.term_info(name, term)
                    rows.append((ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight()))
                    out[(name, term)] = rows
                out[("length", name)] = (r.field_length(name),
                                         [r.doc_field_length(d, name) for d in range(r.doc_count_all())])
            if schema[name].column_type:
                out[("column", name)] = list(r.column_reader(name))
        out["stored"] = [r.stored_fields(d) for d in range(r.doc_count_all())]
    return out


class PlainAdder:
    """Whoosh's own way of adding a clause record, with its segmentation computed on its own."""

    def __init__(self, writer):
        self.writer = writer

    def add(self, record):
        from indexer.engine.analysis import text_cuts
        record = record.fields()
        cuts = text_cuts(self.writer.schema["text"].analyzer, record["text"])
        self.writer.add_document(**record, **({"cuts": cuts} if cuts is not None else {}))


@pytest.mark.parametrize("limitmb", [256, 0.05])
def test_clause_adder_writes_exactly_what_whoosh_writes(tmp_path, monkeypatch, limitmb):
    """ClauseAdder (cached repeated fields, positions encoded here, the stored segmentation taken
    from the same pass, postings grouped by term in a TermPool) and the engine's writer codec (its
    field writer, block writer and position-counting files) give the same index, in every posting,
    weight, value, block statistic, length, column and stored record, as Whoosh's own
    add_document, PostingPool, codec and storage: a list document with departments and a law with
    chapters and articles. With limitmb=0.05 the pool spills runs to disk and merges them at commit."""
    from whoosh import index as whoosh_index
    import indexer.build as build
    from indexer.engine import segment_writer
    files = [p.name for p in CORPUS.glob("*.txt") if p.name not in ("userdict.txt", "synonyms.txt")]
    corpus = copy_corpus(tmp_path / "corpus", files)
    assert len(files) >= 2
    runs = []
    real_save = segment_writer.TermPool.save
    monkeypatch.setattr(segment_writer.TermPool, "save", lambda self: runs.append(1) or real_save(self))
    monkeypatch.setattr(build, "LIMITMB", limitmb)
    build_index([corpus], tmp_path / "fast")
    assert (len(runs) >= 2) == (limitmb < 1)
    monkeypatch.setattr(build, "LIMITMB", 256)
    monkeypatch.setattr(build, "ClauseAdder", PlainAdder)
    monkeypatch.setattr(build.engine_index, "create_in", lambda folder, schema: whoosh_index.create_in(str(folder), schema))
    monkeypatch.setattr(build.engine_index, "writer", lambda ix, limitmb: ix.writer(limitmb=limitmb))
    build_index([corpus], tmp_path / "plain")
    fast, plain = (index_content(IndexStore(tmp_path / n).current) for n in ("fast", "plain"))
    assert fast.keys() == plain.keys()
    assert {("chapter" in k[0]) for k in fast if isinstance(k, tuple)} == {True, False}
    for key in plain:
        assert fast[key] == plain[key], key
    assert any(len(rows) > 1 and rows[0][2] for (name, _), rows in
               ((k, v) for k, v in plain.items() if isinstance(k, tuple) and k[0] == "measure_title"))
    toc = {n: next(IndexStore(tmp_path / n).current.glob("*.toc")).read_bytes() for n in ("fast", "plain")}
    assert b"WriterCodec" not in toc["fast"] and b"W3Codec" in toc["fast"]   # the format names Whoosh's codec


def test_parallel_build_loads_jieba_once_in_the_parent(tmp_path):
    """The workers inherit jieba's dictionary (shared pages) instead of loading one each: in a fresh
    process, a procs=2 build initialises jieba exactly once, in the parent, before forking."""
    import subprocess
    import sys
    import textwrap
    from tests.conftest import ROOT
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    script = textwrap.dedent("""
        import os, sys
        from indexer.engine import analysis
        from indexer.build import build_index
        real, calls = analysis._load_base, sys.argv[2]
        def counted():
            with open(calls, "a") as fh:
                fh.write(f"{os.getpid()}\\n")
            return real()
        analysis._load_base = counted
        summary = build_index([sys.argv[1]], sys.argv[3], procs=2)
        print(os.getpid(), summary["documents"])
    """)
    calls = tmp_path / "calls"
    out = subprocess.run([sys.executable, "-c", script, str(corpus), str(calls), str(tmp_path / "index")],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    parent, documents = out.stdout.split()
    assert documents == "2"
    assert calls.read_text().split() == [parent]


# -- what is never published ------------------------------------------------------------------

def assert_live_unchanged(index_dir, live, before):
    assert IndexStore(index_dir).current == live and generations(index_dir) == before
    assert hits(Searcher(index_dir), "专利质押")


def test_an_empty_corpus_folder_is_never_published(tmp_path, index_dir):
    """An empty or unmounted folder must not replace a good index with one of no documents (every
    search would fail): build and update refuse with the reason, even with --allow-shrink."""
    store = IndexStore(index_dir)
    live, before = store.current, generations(index_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BuildError, match="no documents"):
        build_index([empty], index_dir, allow_shrink=True)
    assert_live_unchanged(index_dir, live, before)
    with pytest.raises(BuildError, match="no documents"):
        build_index([empty], tmp_path / "fresh")            # not even as the first index
    assert IndexStore(tmp_path / "fresh").current is None


def test_skip_bad_with_every_file_bad_is_not_published(tmp_path, index_dir):
    store = IndexStore(index_dir)
    live, before = store.current, generations(index_dir)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.txt").write_text(BAD, encoding="utf-8")
    (bad / "empty.txt").write_text("", encoding="utf-8")
    with pytest.raises(BuildError, match="no documents"):
        build_index([bad], index_dir, skip_bad=True, allow_shrink=True)
    assert_live_unchanged(index_dir, live, before)


def test_update_of_an_emptied_corpus_is_refused(tmp_path, corpus_dir, index_dir):
    store = IndexStore(index_dir)
    live, before = store.current, generations(index_dir)
    (corpus_dir / SEED).unlink()
    with pytest.raises(BuildError, match="no documents"):
        update_index([corpus_dir], index_dir, allow_shrink=True)
    assert_live_unchanged(index_dir, live, before)


def test_losing_more_than_a_share_of_the_documents_needs_allow_shrink(tmp_path, corpus_dir):
    """A build or update that drops more than MAX_SHRINK of the live documents is refused unless asked."""
    from indexer.build import MAX_SHRINK
    for i in range(3):
        (corpus_dir / f"extra-{i}.txt").write_text(EXTRA.replace("量子", f"量子{i}"), encoding="utf-8")
    index = tmp_path / "index"
    build_index([corpus_dir], index)                      # 4 documents
    store = IndexStore(index)
    live, before = store.current, generations(index)
    for i in range(2):
        (corpus_dir / f"extra-{i}.txt").unlink()          # 2 of 4 go: more than MAX_SHRINK
    assert 2 > MAX_SHRINK * 4
    with pytest.raises(BuildError, match=r"lose 2 of the live index's 4 documents.*--allow-shrink"):
        update_index([corpus_dir], index)
    with pytest.raises(BuildError, match=r"lose 2 of the live index's 4 documents.*--allow-shrink"):
        build_index([corpus_dir], index)
    assert store.current == live and generations(index) == before
    assert update_index([corpus_dir], index, allow_shrink=True)["removed"] == 2
    assert len(store.manifest()["documents"]) == 2


def test_a_small_loss_is_published_without_asking(tmp_path, corpus_dir):
    for i in range(4):
        (corpus_dir / f"extra-{i}.txt").write_text(EXTRA, encoding="utf-8")
    build_index([corpus_dir], tmp_path / "index")         # 5 documents
    (corpus_dir / "extra-0.txt").unlink()                 # 1 of 5: within MAX_SHRINK
    assert update_index([corpus_dir], tmp_path / "index")["removed"] == 1


def test_update_probe_is_not_fooled_by_deleted_postings(tmp_path, corpus_dir):
    """A segment's first word ('000' here) may belong only to clauses an update deleted: the probe
    asks for a word of a live clause instead (it said "probe query for '000' found nothing")."""
    extra = corpus_dir / "extra.txt"
    extra.write_text(EXTRA.replace("开展", "000 开展"), encoding="utf-8")
    build_index([corpus_dir], tmp_path / "index")
    with whoosh_index.open_dir(str(IndexStore(tmp_path / "index").current)).reader() as r:
        assert next(iter(r.lexicon("text"))) == b"000"
    extra.write_text(EXTRA, encoding="utf-8")
    assert update_index([corpus_dir], tmp_path / "index")["changed"] == 1
    assert hits(Searcher(tmp_path / "index"), "量子通信")


# -- the build record ---------------------------------------------------------------------------

@pytest.fixture
def with_empty_file(tmp_path, corpus_dir):
    """An index built with --skip-bad from a corpus holding an empty file (as the law collection's four)."""
    (corpus_dir / "empty.txt").write_text("", encoding="utf-8")
    build_index([corpus_dir], tmp_path / "index", skip_bad=True)
    return tmp_path / "index"


def test_the_manifest_records_how_the_index_was_built(corpus_dir, with_empty_file):
    from indexer.record import dictionary_digests
    (corpus_dir / "scan.pdf").write_bytes(b"%PDF-1.4")
    record = IndexStore(with_empty_file).manifest()["build"]
    assert record["corpus_roots"] == [str(corpus_dir.resolve())]
    assert record["skip_bad"] is True
    assert record["dictionaries"] == dictionary_digests(corpus_dir) and record["dictionaries"]["userdict.txt"]
    [(doc_id, entry)] = record["skipped"].items()
    assert doc_id == "empty" and entry["path"] == str(corpus_dir / "empty.txt")
    assert entry["sha256"] == hashlib.sha256(b"").hexdigest() and "empty file" in entry["reason"]


def test_an_unchanged_skipped_file_is_neither_added_nor_pending(corpus_dir, with_empty_file):
    from indexer.record import pending_changes
    manifest = IndexStore(with_empty_file).manifest()
    assert pending_changes([corpus_dir], manifest) == ([], [], [])
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    summary = update_index(None, with_empty_file)            # the recorded folders and --skip-bad
    assert (summary["added"], summary["changed"], summary["removed"], summary["skipped"]) == (1, 0, 0, [])
    assert set(IndexStore(with_empty_file).manifest()["build"]["skipped"]) == {"empty"}
    assert pending_changes([corpus_dir], IndexStore(with_empty_file).manifest()) == ([], [], [])


def test_a_skipped_file_that_changes_is_tried_again(corpus_dir, with_empty_file):
    (corpus_dir / "empty.txt").write_text(EXTRA, encoding="utf-8")
    summary = update_index(None, with_empty_file)
    assert summary["added"] == 1
    manifest = IndexStore(with_empty_file).manifest()
    assert "empty" in manifest["documents"] and manifest["build"]["skipped"] == {}
    assert hits(Searcher(with_empty_file), "量子通信")


def test_a_still_bad_skipped_file_is_not_counted_as_added(corpus_dir, with_empty_file):
    """ "6 added" when 2 were: files skipped again are named as skipped, not added."""
    (corpus_dir / "empty.txt").write_text(BAD, encoding="utf-8")
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    summary = update_index(None, with_empty_file)
    assert summary["added"] == 1 and len(summary["skipped"]) == 1 and "empty.txt:4" in summary["skipped"][0]
    assert IndexStore(with_empty_file).manifest()["build"]["skipped"]["empty"]["reason"] == summary["skipped"][0]


def test_update_refuses_other_corpus_folders_and_names_them(tmp_path, corpus_dir, index_dir):
    """Given fewer or other folders than the index was built from, update stops (it used to read the
    missing folder's documents as removed)."""
    other = copy_corpus(tmp_path / "other")
    store = IndexStore(index_dir)
    live = store.current
    with pytest.raises(BuildError, match=rf"built from --corpus {corpus_dir}; not given: {corpus_dir}; "
                                         rf"not in the index: {other}"):
        update_index([other], index_dir)
    with pytest.raises(BuildError, match=r"not in the index"):
        update_index([corpus_dir, other], index_dir)
    assert store.current == live


def test_update_with_no_folders_uses_the_recorded_ones(tmp_path, corpus_dir, index_dir, monkeypatch):
    monkeypatch.chdir(tmp_path / "index")                    # wherever the librarian stands
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    assert update_index(None, index_dir)["added"] == 1
    assert hits(Searcher(index_dir), "量子通信")


def test_a_parallel_update_finds_what_a_single_writer_update_finds(tmp_path, corpus_dir):
    """update --procs 2 writes the new documents as one segment per process beside the old ones
    (with the changed one deleted from them): the same hits, scores and manifest as one writer."""
    for i in range(2):
        (corpus_dir / f"extra-{i}.txt").write_text(EXTRA.replace("量子", f"量子{i}"), encoding="utf-8")
    build_index([corpus_dir], tmp_path / "one")
    build_index([corpus_dir], tmp_path / "two")
    (corpus_dir / "extra-0.txt").write_text(EXTRA.replace("量子通信", "卫星遥感"), encoding="utf-8")
    for i in range(2, 4):
        (corpus_dir / f"extra-{i}.txt").write_text(EXTRA.replace("试点", f"试点{i}"), encoding="utf-8")
    one = update_index(None, tmp_path / "one", procs=1)
    two = update_index(None, tmp_path / "two", procs=2)
    assert (one["added"], one["changed"]) == (two["added"], two["changed"]) == (2, 1)
    with whoosh_index.open_dir(str(IndexStore(tmp_path / "two").current)).reader() as r:
        assert len(r.leaf_readers()) == 3                     # the old segment and one per process
    docs = [IndexStore(tmp_path / d).manifest()["documents"] for d in ("one", "two")]
    assert docs[0] == docs[1]
    for q in ("量子通信", "卫星遥感", "试点", "专利质押", "量子1"):
        a, b = (Searcher(tmp_path / d).search(q, per_page=50) for d in ("one", "two"))
        # (equal scores may come in another order: the clauses' numbers differ)
        assert sorted((round(h["score"], 6), h["clause_id"]) for h in a["hits"]) == \
               sorted((round(h["score"], 6), h["clause_id"]) for h in b["hits"]), q
        assert a["total"] == b["total"]
    assert all(h["doc_id"] != "extra-0" for h in hits(Searcher(tmp_path / "two"), "量子0通信"))   # its old text is gone
