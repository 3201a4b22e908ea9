"""Four fixes to Whoosh 2.7.4, installed by `indexer.engine.install()` (never on import).

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

4. A segment's files are slices of one memory-mapped file, but `BufferFile` wrapped each slice in
a `BytesIO`, which copies it: every reader (the server opens one per thread) held its own copy of
the whole segment, ~150 MB per thread at 120k clauses. `_MappedFile` reads the mapping in place.
"""
from __future__ import annotations

from contextlib import contextmanager

from whoosh import collectors
from whoosh.codec import whoosh3
from whoosh.filedb import structfile
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


def _and_not_find_next(self, _original=binary.AndNotMatcher.__dict__["_find_next"]):
    if not self.a.is_active():
        return False
    return _original(self)


class _MappedFile:
    """A read-only file over a memoryview (what BufferFile needs of its `file`), without a copy."""

    def __init__(self, buf):
        self._buf, self._pos = buf, 0

    def read(self, n=-1):
        end = len(self._buf) if n is None or n < 0 else min(self._pos + n, len(self._buf))
        data = self._buf[self._pos:end].tobytes()
        self._pos = end
        return data

    def readline(self, size=-1):
        rest = self._buf[self._pos:].tobytes()
        end = rest.find(b"\n") + 1 or len(rest)
        return self.read(end if size is None or size < 0 else min(end, size))

    def seek(self, pos, whence=0):
        self._pos = pos if whence == 0 else self._pos + pos if whence == 1 else len(self._buf) + pos
        return self._pos

    def tell(self):
        return self._pos

    def flush(self):
        pass

    def close(self):
        pass


def _buffer_file_init(self, buf, name=None, onclose=None):
    self._buf = buf
    self._name = name
    self.file = _MappedFile(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


# (owner, attribute, replacement): what install() sets
FIXES = (
    (whoosh3.W3PerDocReader, "_cached_reader", _cached_reader),
    (collectors.FilterCollector, "all_ids", _all_ids),
    (binary.AndNotMatcher, "_find_first", _and_not_find_first),
    (binary.AndNotMatcher, "_find_next", _and_not_find_next),
    (structfile.BufferFile, "__init__", _buffer_file_init),
)
# Whoosh's own functions, as they were before install() (tests compare the two)
ORIGINAL = {(owner, name): owner.__dict__[name] for owner, name, _ in FIXES}


def install() -> None:
    for owner, name, fix in FIXES:
        setattr(owner, name, fix)


def installed() -> bool:
    return all(owner.__dict__.get(name) is fix for owner, name, fix in FIXES)


@contextmanager
def whoosh_own():
    """Whoosh's own functions for the duration (then whatever was there before), for tests."""
    before = {(owner, name): owner.__dict__[name] for owner, name, _ in FIXES}
    for (owner, name), function in ORIGINAL.items():
        setattr(owner, name, function)
    try:
        yield
    finally:
        for (owner, name), function in before.items():
            setattr(owner, name, function)
