"""Reading a newly written index generation back before it is published."""
from __future__ import annotations

from whoosh.query import Term

from .analysis import index_positions
from .index import open_dir


class IndexCheckFailed(RuntimeError):
    """The generation does not hold what was written, or a segment does not answer."""


def verify(gen, expected: int, documents: set) -> None:
    """The generation opens, holds exactly `expected` clauses of exactly these document ids, and
    answers probes in every segment (in a time independent of the index's size)."""
    ix = open_dir(gen)
    with ix.searcher() as s:
        if s.doc_count() != expected:
            raise IndexCheckFailed(f"index holds {s.doc_count()} clauses, the corpus {expected}")
        ids = {t.decode() for t in s.lexicon("doc_id")} if expected else set()
        want = set(documents)
        # deleted documents' terms stay in the lexicon until a merge: look those up
        extra = {d for d in ids - want if s.search(Term("doc_id", d), limit=1)}
        if want - ids or extra:
            raise IndexCheckFailed(f"index documents differ from the corpus: {sorted((want - ids) | extra)[:5]}")
        if expected:
            _probe_segments(s)


def _probe_segments(searcher) -> None:
    """Every segment answers, at a cost that does not grow with the index: its first live clause's
    stored record reads back, a query for that clause's document finds the clause, and the
    postings of the segment's first text term point at a readable clause."""
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        if not reader.doc_count():
            continue                       # every clause of this segment was deleted by an update
        docnum = next(reader.all_doc_ids())
        stored = reader.stored_fields(docnum)
        if not stored.get("doc_id") or not isinstance(stored.get("info"), dict) or "text" not in stored:
            raise IndexCheckFailed(f"segment {reader.segment()} returned an incomplete clause record")
        matcher = Term("doc_id", stored["doc_id"]).matcher(sub)
        if not matcher.is_active():
            raise IndexCheckFailed(f"probe query for {stored['doc_id']} found nothing in the new index")
        matcher.skip_to(docnum)
        if not matcher.is_active() or matcher.id() != docnum or matcher.score() <= 0:
            raise IndexCheckFailed(f"probe query for {stored['doc_id']} missed its clause in the new index")
        # a word of this live clause, not the segment's first term: that one's postings may all
        # belong to clauses an update deleted
        term = _probe_term(sub.schema["text"], stored["text"])
        if term is None:
            raise IndexCheckFailed(f"segment {reader.segment()} has clauses but no text terms")
        postings = reader.postings("text", term) if (("text", term) in reader) else None
        if postings is not None and postings.is_active():
            postings.skip_to(docnum)
        if postings is None or not postings.is_active() or postings.id() != docnum:
            raise IndexCheckFailed(f"probe query for {term.decode()!r} found nothing in the new index")


def _probe_term(field, text: str) -> bytes | None:
    """The first word a clause's text is indexed under (the same analysis as indexing)."""
    poses = index_positions(field.analyzer, text)
    if poses is None:
        words = (t.text for t in field.analyzer(text, mode="index") if not t.stopped)
    else:
        words = iter(poses)
    word = next(words, None)
    return None if word is None else word.encode("utf-8")
