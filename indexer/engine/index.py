"""Index folders: create, open and write them, our writers with the engine's codec.

Reading is Whoosh's own code (with the installed fixes); writing goes through `writer()`, whose
codec (segment_writer.WriterCodec) writes the same files faster. Every function installs the
engine's patches first (patches.install(), once per process).
"""
from __future__ import annotations

import functools

from whoosh import index as _whoosh_index
from whoosh.filedb.filestore import FileStorage

from .manifest import check_folder
from .patches import install
from .segment_writer import CountingStorage, WriterCodec
from . import term_arrays

INDEX_NAME = "MAIN"     # Whoosh's default index name: the TOC is MAIN_<generation>.toc


def create_in(folder, schema):
    """A new, empty index in the folder (its files written through CountingStorage)."""
    install()
    return CountingStorage(str(folder)).create_index(schema, INDEX_NAME)


def open_dir(folder, for_writing=False):
    """The folder's index as Whoosh opens it; for_writing: on CountingStorage, for writer().
    A generation whose manifest names another format is refused (manifest.IndexFormatError)."""
    install()
    check_folder(folder)
    if for_writing:
        return CountingStorage(str(folder)).open_index(INDEX_NAME)
    return _whoosh_index.open_dir(str(folder))


def writer(ix, limitmb: int | float = 128):
    """A segment writer with the engine's codec (its field, postings and block writers)."""
    install()
    return ix.writer(limitmb=limitmb, codec=WriterCodec())


def segments(folder) -> list:
    """The segments the folder's live table of contents lists."""
    return open_dir(folder)._segments()


def read_toc(folder):
    """(schema, segments, generation) of the folder's live table of contents."""
    toc = open_dir(folder)._read_toc()
    return toc.schema, toc.segments, toc.generation


def write_toc(folder, schema, segment_list, generation: int) -> None:
    """A table of contents listing these segments: the folder's index from then on."""
    install()
    _whoosh_index.TOC(schema, list(segment_list), generation).write(FileStorage(str(folder)), INDEX_NAME)


def write_term_arrays(folder, procs: int = 1) -> None:
    """The finished generation's postings as flat arrays for searching (term_arrays.py), read by
    `procs` processes."""
    term_arrays.write(folder, functools.partial(_searcher, str(folder)), procs=procs)


def _searcher(folder):
    return open_dir(folder).searcher()
