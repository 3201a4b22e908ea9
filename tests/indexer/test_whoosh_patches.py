"""The Whoosh 2.7.4 fixes in indexer/whoosh_patches.py, each shown on a real index."""
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
