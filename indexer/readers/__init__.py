"""Readers turn one corpus file into a `Document`; `read_document` picks one by extension and content.

Each reader module has `read(path, doc_id, text=None) -> Document` and raises `CorpusError`
(file and line) for anything it cannot place, never dropping text silently.

    .txt / .tsv   list (序号/改革举措/主要内容/责任部门 header) → list_format,
                  else 第X条 lines → regulation_txt, else "unknown format"
    .md           <!-- INFO END --> marker → laws_md (laws corpus), else "unknown format"
    .html / .htm  HTML markup → html_page, else "not an HTML page"
    .docx         docx_file (a 序号/改革举措/主要内容/责任部门 table reads as a list)
An empty file is "empty file"; any other extension "not read", naming the formats that are.
"""
from __future__ import annotations

from pathlib import Path

from ..model import CorpusError, Document
from . import docx_file, html_page, laws_md, list_format, regulation_txt
from .text import check_line_lengths, read_text

# files a corpus folder may hold that are not documents
NOT_DOCUMENTS = {"userdict.txt", "synonyms.txt", "lay_terms.txt", "stopwords.txt", "README.md", "readme.md", "SOURCE.md"}
DOCUMENT_EXTENSIONS = {".txt", ".tsv", ".md", ".html", ".htm", ".docx"}


def read_document(path: Path, doc_id: str) -> Document:
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in DOCUMENT_EXTENSIONS:
        raise CorpusError(path, None, unsupported(path))
    if ext == ".docx":
        return docx_file.read(path, doc_id)
    text = read_text(path)
    if not text.strip():
        raise CorpusError(path, None, "empty file")
    if ext in (".txt", ".tsv"):
        check_line_lengths(path, text.split("\n"))
        if list_format.looks_like(text):
            return list_format.read(path, doc_id, text)
        if regulation_txt.looks_like(text):
            return regulation_txt.read(path, doc_id, text)
        raise CorpusError(path, None, "unknown format: neither a 序号/改革举措/主要内容/责任部门 list "
                                      "nor a regulation with 第X条 articles")
    if ext == ".md":
        check_line_lengths(path, text.split("\n"))
        if laws_md.looks_like(text):
            return laws_md.read(path, doc_id, text)
        raise CorpusError(path, None, f"unknown format: Markdown without the {laws_md.MARKER} marker")
    if html_page.looks_like(text):
        return html_page.read(path, doc_id, text)
    raise CorpusError(path, None, f"not an HTML page: a {ext} file without HTML markup")


def unsupported(path: Path) -> str:
    """Why a file is not read, naming the formats that are."""
    ext = Path(path).suffix.lower()
    return (f"not read: no reader for {ext or 'files without an extension'} "
            f"(read: {' '.join(sorted(DOCUMENT_EXTENSIONS))}; see corpus/README.md)")
