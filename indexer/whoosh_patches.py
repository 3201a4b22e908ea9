"""Two fixes to Whoosh 2.7.4, applied when `indexer.schema` (which every index user imports) is.

1. `W3PerDocReader._cached_reader` caches the column readers it finds but not the ones it doesn't:
for a field that no document of a segment holds (a list document has no chapter, a law no
departments) every `doc_field_length` call asks the file system again. Flushing a segment and
BM25F scoring call it once per posting, which made builds several times slower. Segments never
change once written, so a miss can be cached as safely as a hit.

2. `FilterCollector.all_ids` tests `if _allow and …` for every document: the truth value of a
filter's bit set counts its bits, so listing a filtered result's documents scanned the whole
set once per match (seconds on a large index). Testing `is not None` is what was meant.

3. `AndNotMatcher` (a -b) only looked for b at a's first document when b stood exactly there: when
b's first document came earlier, a's first match was kept even if b held it too (融资 -质押 could
show a 质押 clause first). And `_find_next` read the id of an exhausted matcher (IndexError).
"""
from __future__ import annotations

from whoosh import collectors
from whoosh.codec import whoosh3
from whoosh.matching import binary

_MISSING = object()


def _cached_reader(self, fieldname, column):
    found = self._readers.get(fieldname, _MISSING)
    if found is _MISSING:
        found = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = found
    return found


def _all_ids(self):
    allow, restrict = self._allow, self._restrict
    for docnum in self.child.all_ids():
        if (allow is not None and docnum not in allow) or (restrict is not None and docnum in restrict):
            continue
        yield docnum


def _and_not_find_first(self):
    if self.a.is_active() and self.b.is_active():
        self._find_next()


def _and_not_find_next(self, _original=binary.AndNotMatcher._find_next):
    if not self.a.is_active():
        return False
    return _original(self)


def apply() -> None:
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    collectors.FilterCollector.all_ids = _all_ids
    binary.AndNotMatcher._find_first = _and_not_find_first
    binary.AndNotMatcher._find_next = _and_not_find_next


apply()
