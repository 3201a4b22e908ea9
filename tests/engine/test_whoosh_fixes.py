"""The Whoosh 2.7.4 fixes in indexer/engine/whoosh_fixes.py, each shown on a real index and
against Whoosh's own behaviour (whoosh_own())."""
from __future__ import annotations

import threading

from whoosh import query as Q
from whoosh.filedb.structfile import BufferFile

from search_app.searcher import Searcher


def anon_kb() -> int:
    status = open("/proc/self/status", encoding="ascii").read()
    return int(status.split("RssAnon:")[1].split()[0])


def test_readers_share_the_mapped_segment_instead_of_copying_it(seed_index):
    """Each server thread opens its own reader; before the fix each copied every segment file."""
    gen = Searcher(seed_index).generation()
    s = gen.searcher()
    files = [f for f in vars(s.reader()._terms).values() if isinstance(f, BufferFile)]
    assert files and all(not hasattr(f.file, "getbuffer") for f in files)   # no BytesIO copy
    segment_bytes = sum(p.stat().st_size for p in gen.path.glob("*.seg"))
    before = anon_kb()
    opened = []
    for _ in range(8):
        t = threading.Thread(target=lambda: opened.append(gen.searcher().doc_count()))
        t.start()
        t.join()
    assert len(opened) == 8
    assert anon_kb() - before < 8 * segment_bytes / 1024 / 2


def test_mapped_files_read_seek_and_unpickle_like_files(seed_index):
    gen = Searcher(seed_index).generation()
    s = gen.searcher()
    postfile = s.reader()._terms._postfile
    postfile.seek(0)
    head = postfile.read(4)
    assert len(head) == 4 and postfile.tell() == 4
    postfile.seek(-2, 2)
    assert len(postfile.read(10)) == 2
    # Whoosh's matchers read pickled block headers through the file: every term still reads
    hits = s.search(Q.Term("text", "融资"), limit=None)
    assert len(hits) > 5 and all("融资" in h["text"] for h in hits)


def test_excluded_word_excludes_the_first_match_when_its_postings_start_earlier(searcher):
    gen = searcher.generation()
    s = gen.searcher()
    base = Q.Or([Q.Term("text", "年薪制"), Q.Term("measure_title", "年薪制")])
    hits = s.search(Q.AndNot(base, Q.Term("text", "协议")), limit=None)
    assert len(hits) and all("协议" not in h["text"] for h in hits)


# -- each fix against Whoosh's own behaviour --------------------------------------------------------

def test_whoosh_own_reader_copies_each_segment_file_the_fixed_one_maps_it(seed_index):
    """BufferFile: Whoosh's own wraps each slice of the mapping in a BytesIO (a copy); the fix
    reads the mapping in place, the same bytes."""
    from whoosh import index as whoosh_index

    from indexer.engine.whoosh_fixes import whoosh_own
    gen = Searcher(seed_index).generation()
    with whoosh_own():
        own = whoosh_index.open_dir(str(gen.path)).reader()
    fixed = whoosh_index.open_dir(str(gen.path)).reader()
    try:
        assert hasattr(own._terms._postfile.file, "getbuffer")
        assert not hasattr(fixed._terms._postfile.file, "getbuffer")
        for f in (own._terms._postfile, fixed._terms._postfile):
            f.seek(0)
        assert own._terms._postfile.read(4096) == fixed._terms._postfile.read(4096)
    finally:
        own.close()
        fixed.close()


def test_a_field_no_clause_holds_is_looked_up_once_not_once_per_call(seed_index, monkeypatch):
    """_cached_reader: Whoosh's own asks the segment for a missing column at every call (a stat
    each time); the fix remembers the miss. Both answer the same length."""
    from whoosh import index as whoosh_index
    from whoosh.codec import whoosh3

    from indexer.engine.whoosh_fixes import whoosh_own
    gen = Searcher(seed_index).generation()
    calls = []
    real = whoosh3.W3PerDocReader.has_column
    monkeypatch.setattr(whoosh3.W3PerDocReader, "has_column", lambda self, name: calls.append(name) or real(self, name))

    def lengths():
        calls.clear()
        with whoosh_index.open_dir(str(gen.path)).reader() as r:
            found = [r.doc_field_length(d, "chapter") for d in range(20)]   # the seed list has no chapters
        return found, len(calls)

    with whoosh_own():
        own, own_calls = lengths()
    fixed, fixed_calls = lengths()
    assert own == fixed == [0] * 20
    assert own_calls >= 20 and fixed_calls == 1


def test_a_filtered_listing_tests_the_filter_set_for_none_not_for_truth(searcher):
    """FilterCollector.all_ids: Whoosh's own takes the filter set's truth value (counting its bits)
    for every document; the fix tests `is not None`. Both list the same documents."""
    from whoosh import collectors
    from whoosh import query as Q
    from whoosh.idsets import BitSet

    from indexer.engine.whoosh_fixes import whoosh_own

    class CountedBits(BitSet):
        truth_tests = 0

        def __bool__(self):
            CountedBits.truth_tests += 1
            return super().__bool__()

        __len__ = BitSet.__len__

    s = searcher.generation().searcher()
    allow = CountedBits(s.docs_for_query(Q.Term("text", "融资")), size=s.doc_count_all())

    def listed():
        collector = collectors.FilterCollector(s.collector(limit=None), allow=allow)
        s.search_with_collector(Q.Every(), collector)
        CountedBits.truth_tests = 0
        return sorted(collector.all_ids()), CountedBits.truth_tests

    fixed, fixed_tests = listed()
    with whoosh_own():
        own, own_tests = listed()
    assert own == fixed and len(fixed) > 5
    assert own_tests >= len(own) and fixed_tests == 0


def test_whoosh_own_and_not_keeps_a_first_match_the_excluded_word_holds():
    """AndNotMatcher: when the excluded postings start before the first match, Whoosh's own keeps
    that match even if the excluded word holds it; the fixed one drops it."""
    from whoosh.matching import ListMatcher, binary

    from indexer.engine.whoosh_fixes import whoosh_own

    def ids():
        m = binary.AndNotMatcher(ListMatcher([5, 7, 9]), ListMatcher([2, 5]))
        out = []
        while m.is_active():
            out.append(m.id())
            m.next()
        return out

    fixed = ids()
    with whoosh_own():
        own = ids()
    assert own == [5, 7, 9] and fixed == [7, 9]
