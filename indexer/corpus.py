"""Finding and reading the documents of one or more corpus folders."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .model import CorpusError, Document
from .readers import DOCUMENT_EXTENSIONS, NOT_DOCUMENTS, read_document

DOCUMENT_SUFFIXES = DOCUMENT_EXTENSIONS
# A corpus file that is a symbolic link (or lies below one) resolving outside every corpus folder
# is refused, named, unless this is set: a link to /etc/passwd must not be indexed and served.
ALLOW_OUTSIDE_LINKS_ENV = "POLICY_SEARCH_ALLOW_OUTSIDE_LINKS"


@dataclass
class SourceFile:
    path: Path
    doc_id: str
    root: Path
    refused: str | None = None     # why the file is not read (a link outside the corpus folders)


def outside_links_allowed() -> bool:
    return os.environ.get(ALLOW_OUTSIDE_LINKS_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _outside(path: Path, roots: list[Path]) -> str | None:
    """Why `path` may not be read: it resolves outside every corpus folder (None when inside)."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None                # a dangling link or a loop: reading it fails and is named anyway
    if any(target.is_relative_to(r) for r in roots):
        return None
    return (f"a symbolic link to {target}, outside the corpus folders: refused (set "
            f"{ALLOW_OUTSIDE_LINKS_ENV}=1 to follow such links)")


def read_source(src: SourceFile) -> Document:
    """The document of one discovered file; a CorpusError for a refused one."""
    if src.refused:
        raise CorpusError(src.path, None, src.refused)
    return read_document(src.path, src.doc_id)


def doc_id_for(root: Path, path: Path, prefix: str = "") -> str:
    """Stable id from the path inside its corpus folder: stem for top-level files, 'sub/dir/stem' below."""
    rel = path.relative_to(root).with_suffix("")
    return (prefix + rel.as_posix()).replace(":", "_")


def _candidates(root: Path):
    """Files below a corpus folder that may be documents: not hidden, not a dictionary or README."""
    for path in sorted(root.rglob("*")):
        if (not path.is_file() or path.name in NOT_DOCUMENTS or path.name.startswith(".")
                or any(p.startswith(".") for p in path.relative_to(root).parts)):
            continue
        yield path


def unread_files(roots) -> list[Path]:
    """Files in the corpus folders that no reader takes (a .pdf, a .doc): never indexed, named by
    `check` and `stats` so that nobody believes them searchable."""
    return [path for root in (Path(r) for r in roots) if root.is_dir()
            for path in _candidates(root) if path.suffix.lower() not in DOCUMENT_SUFFIXES]


def discover(roots) -> list[SourceFile]:
    """Every document file below the corpus folders, in a stable order.

    The first folder's files keep bare ids; each further folder's ids are prefixed with its
    name ('laws/…'), so adding a collection never changes the links into another.
    """
    found, seen = [], set()
    roots = [Path(r) for r in roots]
    resolved = [] if outside_links_allowed() else [r.resolve() for r in roots]
    for i, root in enumerate(roots):
        if not root.is_dir():
            raise CorpusError(root, None, "corpus folder not found")
        prefix = "" if i == 0 else root.name + "/"
        for path in _candidates(root):
            if path.suffix.lower() not in DOCUMENT_SUFFIXES:
                continue
            doc_id = doc_id_for(root, path, prefix)
            if doc_id in seen:
                raise CorpusError(path, None, f"two files give the same document id {doc_id!r}")
            seen.add(doc_id)
            found.append(SourceFile(path, doc_id, root, _outside(path, resolved) if resolved else None))
    return found


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_all(sources):
    """(documents, errors): every readable document, and a CorpusError for every file that is not."""
    docs, errors = [], []
    for src in sources:
        try:
            docs.append(read_source(src))
        except CorpusError as exc:
            errors.append(exc)
        except (OSError, ValueError) as exc:
            errors.append(CorpusError(src.path, None, f"{type(exc).__name__}: {exc}"))
    mark_versions(docs)
    return docs, errors


def version_groups(metas: dict[str, dict]) -> dict[str, list[str]]:
    """doc_id → the ids of all versions of its work, oldest first (only works with several files)."""
    works: dict[tuple, list[str]] = {}
    for doc_id, meta in metas.items():
        title = meta.get("work_title")
        if title:
            works.setdefault((title, meta.get("category"), meta.get("province")), []).append(doc_id)
    groups = {}
    for ids in works.values():
        if len(ids) > 1:
            ids.sort(key=lambda d: (metas[d].get("version_date") or "", d))
            groups.update({d: ids for d in ids})
    return groups


def mark_versions(docs: list[Document], others: dict[str, dict] | None = None) -> set[str]:
    """Several dated files of one work: the newest is current, the older ones historical.

    `others` are the metadata of documents not re-read (an update's unchanged ones); returns
    the ids among them whose version status changed and so need re-indexing.
    """
    metas = dict(others or {})
    metas.update({d.doc_id: d.meta for d in docs})
    groups = version_groups(metas)
    for d in docs:
        ids = groups.get(d.doc_id)
        d.meta["historical"] = bool(ids) and ids[-1] != d.doc_id
        if ids:
            d.meta["versions"] = ids
    stale, read = set(), {d.doc_id for d in docs}
    for doc_id, meta in (others or {}).items():
        if doc_id not in read:
            ids = groups.get(doc_id)
            historical = bool(ids) and ids[-1] != doc_id
            if historical != bool(meta.get("historical")) or (ids or None) != meta.get("versions"):
                stale.add(doc_id)
    return stale
