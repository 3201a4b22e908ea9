"""Writing a segment's postings: what Whoosh's writer does, the same index, less work per posting.

Whoosh's `PostingPool` keeps every posting as a (field, term, docnum, weight, value) tuple, sorts
them all at each spill and at commit, merges the spilled runs posting by posting, and its field
writer then takes the postings one call at a time. Clauses are added in document-number order,
so postings grouped by term as they arrive are already in the order Whoosh's sort gives; only
the terms need sorting, and the runs of one term concatenate in the order they were spilled.

- `TermPool`: the pool grouping postings by field and term (spilled runs sorted by term, marshalled).
- `add_postings`: `W3FieldWriter.add_postings` for a TermPool's groups: each term's blocks filled
  at once (the same state Whoosh's `add_posting` builds one posting at a time); flat postings from
  anything else go the way Whoosh's own loop does, with the per-field length tables read once.
- `_write_block`: posting blocks under COMPRESS_FROM bytes stored uncompressed.
- `CountingFile`: files created for writing know their position (BufferedWriter.tell() asks the
  OS, and Whoosh asks about four times a term), through `CountingStorage`.
- `WriterCodec`: the codec that puts these in place for our writers alone (`engine.index.writer`);
  nothing of Whoosh is replaced globally.

tests/indexer/test_build.py compares an index written this way with one written by Whoosh's own
pool and writer: every posting, weight, value, block statistic, length, column and stored record.
"""
from __future__ import annotations

import heapq
import io
import marshal
import os
import zlib
from array import array

from whoosh.codec.base import OutOfOrderError
from whoosh.codec.whoosh3 import (LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3PostingsWriter,
                                  W3Segment, W3TermInfo, _lenfield)
from whoosh.compat import dumps
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.system import emptybytes, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

__all__ = ["TermPool", "COMPRESS_FROM", "CountingStorage", "WriterCodec"]

RUN_CHUNK = 10000       # postings per marshalled chunk of a spilled run
MAX_RUNS = 64           # spilled runs merged into one past this many (each is an open file at commit)
COMPRESS_FROM = 128     # bytes: smaller posting blocks (most terms have a handful of postings) are stored raw


class TermPool:
    """A segment writer's posting pool, grouped: {field: {term bytes: (docnums, weights, values)}}.

    Takes Whoosh's PostingPool's place (`add`, `fieldnames`, `iter_postings`, `cleanup`), plus
    `add_grouped` for one document's postings in a field at once. A term's document numbers and
    weights are arrays (24 bytes a posting where a tuple a posting takes some 100), so a pool
    rarely spills; past `limit` bytes (estimated: POSTING_BYTES a posting, TERM_BYTES a term) the
    groups are written to a run file in term order, and at commit the runs and what is still in
    memory are merged term by term (past MAX_RUNS runs, the runs are merged into one first).
    Postings of one term must arrive in increasing document order (documents are added in order,
    merged segments after them): checked where runs meet.
    """

    POSTING_BYTES = 24
    TERM_BYTES = 320
    VALUE_BYTES = 33      # a bytes object of its own, besides its length (postings of merged segments)

    def __init__(self, tempstore, limit=128 * 1024 * 1024):
        self.tempstore = tempstore
        self.limit = limit
        self.currentsize = 0
        self.fieldnames: set[str] = set()
        self.fields: dict[str, dict[bytes, tuple]] = {}
        self.runs: list[str] = []

    def add(self, item) -> None:
        """One (fieldname, tbytes, docnum, weight, vbytes) posting, as Whoosh's pool takes it (a
        merged segment's postings come this way, each value a bytes object of its own)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        if docnum == -1:       # Whoosh's marker for a spelling word: no posting (add_postings skips it too)
            return
        self.add_grouped(docnum, fieldname, [(tbytes, weight, vbytes)],
                         self.VALUE_BYTES + len(vbytes) if vbytes else 0)

    def add_grouped(self, docnum: int, fieldname: str, items, extra: int = 0) -> None:
        """One document's postings in one field: items are (tbytes, weight, vbytes); `extra`: bytes
        they hold beyond the estimate (values not shared with other postings)."""
        if self.currentsize > self.limit:
            self.save()
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        get, new = terms.get, 0
        for tbytes, weight, vbytes in items:
            group = get(tbytes)
            if group is None:
                terms[tbytes] = (array("i", (docnum,)), array("d", (weight,)), [vbytes])
                new += 1
            else:
                group[0].append(docnum)
                group[1].append(weight)
                group[2].append(vbytes)
        self.currentsize += self.POSTING_BYTES * len(items) + self.TERM_BYTES * new + extra

    def _groups(self):
        """(fieldname, tbytes, docnums, weights, values) of the postings in memory, in term order."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for tbytes in sorted(terms):
                yield (fieldname, tbytes, *terms[tbytes])

    def save(self) -> None:
        """Spill the postings in memory to a run file, in term order, as marshalled chunks."""
        if not self.fields:
            return
        self.runs.append(self._write_run(self._groups()))
        self.fields, self.currentsize = {}, 0
        if len(self.runs) > MAX_RUNS:
            runs, self.runs = self.runs, []
            self.runs.append(self._write_run(self._merge([self._read_run(name) for name in runs])))

    def _write_run(self, groups) -> str:
        name = f"{os.urandom(8).hex()}.run"
        with self.tempstore.create_file(name).raw_file() as f:
            chunk, count = [], 0
            for fieldname, tbytes, ids, weights, values in groups:
                chunk.append((fieldname, tbytes, ids.tobytes(), weights.tobytes(), values))
                count += len(ids)
                if count >= RUN_CHUNK:
                    _write_chunk(f, chunk)
                    chunk, count = [], 0
            if chunk:
                _write_chunk(f, chunk)
        return name

    def _read_run(self, name):
        with self.tempstore.open_file(name).raw_file() as f:
            while True:
                head = f.read(8)
                if not head:
                    break
                size = int.from_bytes(head + _read_exactly(f, 8 - len(head)), "little")
                for fieldname, tbytes, ids, weights, values in marshal.loads(_read_exactly(f, size)):
                    yield fieldname, tbytes, array("i", ids), array("d", weights), values
        self.tempstore.delete_file(name)

    def iter_postings(self):
        """TermGroups in term order: the runs in the order written, then what is in memory."""
        return TermGroups(self._merged())

    def _merged(self):
        if not self.runs:
            return self._groups()
        return self._merge([self._read_run(name) for name in self.runs] + [self._groups()])

    @staticmethod
    def _merge(streams):
        """Group streams in term order merged: one term's postings concatenated, earlier streams first."""
        last = None
        for group in heapq.merge(*streams, key=lambda g: (g[0], g[1])):   # stable: earlier runs first
            if last is not None and last[0] == group[0] and last[1] == group[1]:
                if group[2][0] <= last[2][-1]:
                    raise OutOfOrderError(f"term {group[0]}:{group[1]!r}: document {group[2][0]} after {last[2][-1]}")
                last[2].extend(group[2])
                last[3].extend(group[3])
                last[4].extend(group[4])
                continue
            if last is not None:
                yield last
            last = group
        if last is not None:
            yield last

    def cleanup(self) -> None:
        for name in self.runs:
            try:
                self.tempstore.delete_file(name)
            except OSError:
                pass
        self.runs = []


class TermGroups:
    """(fieldname, tbytes, docnums, weights, values) in term order: what add_postings writes a term
    at a time. Iterated, it gives Whoosh's flat (fieldname, tbytes, docnum, weight, vbytes)."""

    def __init__(self, groups):
        self.groups = groups

    def __iter__(self):
        for fieldname, tbytes, ids, weights, values in self.groups:
            for docnum, weight, vbytes in zip(ids, weights, values):
                yield fieldname, tbytes, docnum, weight, vbytes


def _write_chunk(f, chunk) -> None:
    data = marshal.dumps(chunk)
    f.write(len(data).to_bytes(8, "little"))
    f.write(data)


def _read_exactly(f, n: int) -> bytes:
    parts, left = [], n
    while left:
        part = f.read(left)
        if not part:
            raise EOFError(f"posting run ended {left} bytes early")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


# -- the field writer -----------------------------------------------------------------------------

def _length_table(lengths, fieldname):
    """docnum → the field's length (None where unset), read once per field instead of looked up
    in the length column for every posting."""
    if not lengths:
        return None
    reader = lengths._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if reader is None:
        return None
    return [byte_to_length(b) if b else None for b in reader.load()]


def add_postings(self, schema, lengths, items):
    """W3FieldWriter.add_postings (a segment's postings, written when it is flushed at commit)."""
    if isinstance(items, TermGroups):
        return _add_groups(self, schema, lengths, items.groups)
    start_field, start_term, add = self.start_field, self.start_term, self.add
    finish_term, finish_field = self.finish_term, self.finish_field
    tables = {}
    lastfn = lasttext = table = None
    for fieldname, btext, docnum, weight, value in items:
        if lastfn is not None and fieldname < lastfn:
            raise OutOfOrderError(f"Field {lastfn!r} .. {fieldname!r}")
        if fieldname == lastfn and lasttext and btext < lasttext:
            raise OutOfOrderError(f"Term {lastfn}:{lasttext!r} .. {fieldname}:{btext!r}")
        if fieldname != lastfn:
            if lasttext is not None:
                finish_term()
            if lastfn is not None:
                finish_field()
            start_field(fieldname, schema[fieldname])
            if fieldname not in tables:
                tables[fieldname] = _length_table(lengths, fieldname)
            table = tables[fieldname]
            lastfn, lasttext = fieldname, None
        if docnum == -1:       # Whoosh's marker for spelling words: not postings
            continue
        if btext != lasttext:
            if lasttext is not None:
                finish_term()
            start_term(btext)
            lasttext = btext
        add(docnum, weight, emptybytes if value is None else value, table[docnum] if table is not None else 0)
    if lasttext is not None:
        finish_term()
    if lastfn is not None:
        finish_field()


def _add_groups(self, schema, lengths, groups):
    """Each term's postings as blocks of Whoosh's block limit, with the statistics add_posting
    would have gathered (largest weight, shortest and longest non-zero length, values that are
    not empty), then Whoosh's own block, term info and term table writing."""
    lastfn = table = None
    pw = fmt = None
    tindex = self._tindex
    for fieldname, btext, docnums, weights, values in groups:
        if fieldname != lastfn:
            if lastfn is not None:
                self.finish_field()
            self.start_field(fieldname, schema[fieldname])
            table = _length_table(lengths, fieldname)
            pw, fmt, lastfn = self._postwriter, self._format, fieldname
        limit = pw._blocklimit
        pw.start_postings(fmt, W3TermInfo())
        for start in range(0, len(docnums), limit):
            if start:
                pw._write_block()
            ids, block_weights = docnums[start:start + limit], weights[start:start + limit]
            pw._ids = array("I", ids)
            pw._weights = array("f", block_weights)
            pw._values = [v for v in values[start:start + limit] if v]
            pw._maxweight = max(0, max(block_weights))
            if table is not None:
                found = [n for n in (table[d] for d in ids) if n]
                if found:
                    pw._minlength, pw._maxlength = min(found), max(found)
        terminfo = pw.finish_postings()
        tindex.add(pack_ushort(self._fieldid) + btext, terminfo.to_bytes())
    if lastfn is not None:
        self.finish_field()


def _write_block(self, last=False):
    """W3PostingsWriter._write_block, storing blocks under COMPRESS_FROM bytes uncompressed.

    Whoosh compresses every block with zlib (14 % of a flush), which only costs time for the few
    dozen bytes most blocks hold. Each block records its own compression level and readers
    decompress only the blocks that say so (Whoosh 2.7's own "don't compress under 20 bytes"
    rule meant this, but was overwritten by the next line)."""
    if not self._blockcount:
        self._postfile.write(WHOOSH3_HEADER_MAGIC)
    self._terminfo.add_block(self)
    databytes = dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 2)
    comp = self._compression if len(databytes) >= COMPRESS_FROM else 0
    if comp:
        databytes = zlib.compress(databytes, comp)
    ids = self._ids
    infobytes = dumps((len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength),
                       length_to_byte(self._maxlength)), 2)
    postfile = self._postfile
    blocklength = len(infobytes) + len(databytes)
    postfile.write_int(-blocklength if last else blocklength)
    postfile.write(infobytes)
    postfile.write(databytes)
    self._blockcount += 1
    self._new_block()


# -- files that know where they are ---------------------------------------------------------------

class CountingFile(io.BufferedWriter):
    """A buffered file for writing that counts its position instead of asking the OS: the
    posting and term files are asked their position some four times a term."""

    def __init__(self, raw):
        super().__init__(raw)
        self._pos = 0

    def write(self, data):
        n = super().write(data)
        self._pos += n
        return n

    def tell(self):
        return self._pos

    def seek(self, pos, whence=io.SEEK_SET):
        self._pos = super().seek(pos, whence)
        return self._pos


class CountingStorage(FileStorage):
    """FileStorage whose files created for writing (every segment file) are CountingFiles."""

    def create_file(self, name, excl=False, mode="wb", **kwargs):
        if excl or mode != "wb" or self.readonly:
            return super().create_file(name, excl, mode, **kwargs)
        return StructFile(CountingFile(io.FileIO(self._fpath(name), "wb")), name=name, **kwargs)


# -- the codec our writers use ---------------------------------------------------------------------

class FieldWriter(W3FieldWriter):
    """W3FieldWriter writing a pool's postings a term at a time (add_postings above)."""

    add_postings = add_postings


class PostingsWriter(W3PostingsWriter):
    """W3PostingsWriter storing small blocks uncompressed (_write_block above)."""

    _write_block = _write_block


class WriterCodec(W3Codec):
    """Whoosh's W3Codec with the field and postings writers above, for our writers only: Whoosh's
    own writers and every reader are left as they are. The segments it makes carry a plain W3Codec
    (the table of contents pickles it), so what is on disk is Whoosh's format, read by Whoosh's code."""

    def field_writer(self, storage, segment):
        return FieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                              compression=self._compression, inlinelimit=self._inlinelimit)

    def new_segment(self, storage, indexname):
        return W3Segment(W3Codec(self._blocklimit, self._compression, self._inlinelimit), indexname)
