"""Readers turn one corpus file into a `Document`; `read_document` picks one by extension and content.

Each reader module has `read(path, doc_id, text=None) -> Document` and raises `CorpusError`
(file and line) for anything it cannot place, never dropping text silently.
"""
from __future__ import annotations

from pathlib import Path

from ..model import CorpusError, Document
from . import list_format
from .text import read_text

# files a corpus folder may hold that are not documents
NOT_DOCUMENTS = {"userdict.txt", "synonyms.txt", "stopwords.txt", "README.md", "readme.md"}
DOCUMENT_EXTENSIONS = {".txt", ".tsv"}


def read_document(path: Path, doc_id: str) -> Document:
    path = Path(path)
    ext = path.suffix.lower()
    if ext in (".txt", ".tsv"):
        text = read_text(path)
        if list_format.looks_like(text):
            return list_format.read(path, doc_id, text)
        raise CorpusError(path, None, "unknown format: not a 序号/改革举措/主要内容/责任部门 list")
    raise CorpusError(path, None, f"unknown format: no reader for {ext or 'files without extension'}")
