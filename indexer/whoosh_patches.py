"""One fix to Whoosh 2.7.4, applied when the indexer is imported.

`W3PerDocReader._cached_reader` caches the column readers it finds but not the ones it doesn't:
for a field that no document of a segment holds (a list document has no chapter, a law no
departments) every `doc_field_length` call asks the file system again. Flushing a segment and
BM25F scoring call it once per posting, which made builds several times slower. Segments never
change once written, so a miss can be cached as safely as a hit.
"""
from __future__ import annotations

from whoosh.codec import whoosh3

_MISSING = object()


def _cached_reader(self, fieldname, column):
    found = self._readers.get(fieldname, _MISSING)
    if found is _MISSING:
        found = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = found
    return found


def apply() -> None:
    if whoosh3.W3PerDocReader._cached_reader is not _cached_reader:
        whoosh3.W3PerDocReader._cached_reader = _cached_reader


apply()
