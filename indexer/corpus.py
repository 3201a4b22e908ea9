"""Finding and reading the documents of one or more corpus folders."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .model import CorpusError, Document
from .readers import NOT_DOCUMENTS, read_document

DOCUMENT_SUFFIXES = {".txt", ".tsv", ".md", ".html", ".htm", ".docx"}


@dataclass
class SourceFile:
    path: Path
    doc_id: str
    root: Path


def doc_id_for(root: Path, path: Path, prefix: str = "") -> str:
    """Stable id from the path inside its corpus folder: stem for top-level files, 'sub/dir/stem' below."""
    rel = path.relative_to(root).with_suffix("")
    return (prefix + rel.as_posix()).replace(":", "_")


def discover(roots) -> list[SourceFile]:
    """Every document file below the corpus folders, in a stable order.

    The first folder's files keep bare ids; each further folder's ids are prefixed with its
    name ('laws/…'), so adding a collection never changes the links into another.
    """
    found, seen = [], set()
    for i, root in enumerate(Path(r) for r in roots):
        if not root.is_dir():
            raise CorpusError(root, None, "corpus folder not found")
        prefix = "" if i == 0 else root.name + "/"
        for path in sorted(root.rglob("*")):
            if (not path.is_file() or path.name in NOT_DOCUMENTS or path.name.startswith(".")
                    or any(p.startswith(".") for p in path.relative_to(root).parts)):
                continue
            if path.suffix.lower() not in DOCUMENT_SUFFIXES:
                continue
            doc_id = doc_id_for(root, path, prefix)
            if doc_id in seen:
                raise CorpusError(path, None, f"two files give the same document id {doc_id!r}")
            seen.add(doc_id)
            found.append(SourceFile(path, doc_id, root))
    return found


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_all(sources, skip_bad: bool = False):
    """(documents, errors): every readable document, and a CorpusError for every file that is not."""
    docs, errors = [], []
    for src in sources:
        try:
            docs.append(read_document(src.path, src.doc_id))
        except CorpusError as exc:
            errors.append(exc)
        except (OSError, UnicodeError, ValueError) as exc:
            errors.append(CorpusError(src.path, None, f"{type(exc).__name__}: {exc}"))
    mark_versions(docs)
    return docs, errors


def mark_versions(docs: list[Document]) -> None:
    """Several dated files of one work: the newest is current, the older ones historical."""
    works: dict[tuple, list[Document]] = {}
    for d in docs:
        title = d.meta.get("work_title")
        if title:
            works.setdefault((title, d.meta.get("category"), d.meta.get("province")), []).append(d)
    for versions in works.values():
        if len(versions) < 2:
            continue
        versions.sort(key=lambda d: d.meta.get("version_date") or "")
        for d in versions[:-1]:
            d.meta["historical"] = True
        for d in versions:
            d.meta["versions"] = [v.doc_id for v in versions]
