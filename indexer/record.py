"""How an index generation was built, and how the corpus on disk differs from it.

Every manifest carries a `build` record: the corpus folders (resolved), whether --skip-bad was
given, a digest of each dictionary, the files the build skipped (with their content hash and the
reason) and the files it does not read (unsupported formats). `update`, `stats` and
`build --if-stale` compare the corpus with this record, so a librarian types them with no
arguments and a skipped file that has not changed since is neither added nor pending.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .corpus import discover, file_hash, unread_files
from .model import CorpusError

DICTIONARIES = ("userdict.txt", "synonyms.txt", "lay_terms.txt")
NAMES_SHOWN = 10     # document ids named per kind of change in stats and /healthz


class CorpusMismatch(ValueError):
    """The corpus folders given are not the ones the live index was built from."""


def dictionary_digests(corpus_root) -> dict[str, str | None]:
    out = {}
    for name in DICTIONARIES:
        path = Path(corpus_root) / name
        out[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    return out


def build_record(corpus_dirs, skip_bad: bool, sources, errors) -> dict:
    """The `build` entry of a new manifest (see the module docstring)."""
    by_path = {str(s.path): s for s in sources}
    skipped = {}
    for e in errors:
        src = by_path.get(e.path)
        if src is None:
            continue
        try:
            digest = file_hash(src.path)
        except OSError:
            digest = None
        skipped[src.doc_id] = {"path": e.path, "sha256": digest, "reason": str(e)}
    roots = [Path(c) for c in corpus_dirs]
    return {"corpus_roots": [str(c.resolve()) for c in roots], "skip_bad": bool(skip_bad),
            "dictionaries": dictionary_digests(roots[0]), "skipped": skipped,
            "not_read": [str(p) for p in unread_files(roots)]}


def recorded_corpus(manifest: dict | None) -> list[Path] | None:
    """The corpus folders the index was built from (older manifests: their `corpus_roots`)."""
    if not manifest:
        return None
    roots = (manifest.get("build") or {}).get("corpus_roots") or manifest.get("corpus_roots")
    return [Path(r) for r in roots] if roots else None


def recorded_skip_bad(manifest: dict | None) -> bool:
    """--skip-bad as the index was built (an older manifest without the record: it skipped files)."""
    manifest = manifest or {}
    if "build" in manifest:
        return bool(manifest["build"].get("skip_bad"))
    return bool(manifest.get("skipped"))


def shown(path) -> str:
    """A folder as the librarian would type it: relative to the working folder when below or beside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if rel.split(os.sep).count("..") <= 1 else str(path)


def folder_difference(given, recorded) -> str | None:
    """None when the same folders in the same order, else a sentence naming the difference."""
    given = [Path(g).resolve() for g in given]
    recorded = [Path(r) for r in recorded]
    if given == recorded:
        return None
    parts = []
    missing = [r for r in recorded if r not in given]
    extra = [g for g in given if g not in recorded]
    if missing:
        parts.append("not given: " + ", ".join(shown(p) for p in missing))
    if extra:
        parts.append("not in the index: " + ", ".join(shown(p) for p in extra))
    if not parts:
        parts.append("the same folders in another order (the first one holds the dictionaries)")
    return (f"the index was built from {' '.join('--corpus ' + shown(p) for p in recorded)}; "
            + "; ".join(parts))


def corpus_for(given, manifest: dict | None, default=("corpus",)) -> list[Path]:
    """The corpus folders to use: the recorded ones when none are given; given ones must match
    the record (CorpusMismatch names the difference)."""
    recorded = recorded_corpus(manifest)
    if not given:    # as typed from here when near (file names in messages stay short)
        return [Path(shown(r)) for r in recorded] if recorded else [Path(d) for d in default]
    if recorded:
        difference = folder_difference(given, recorded)
        if difference:
            raise CorpusMismatch(difference)
    return [Path(g) for g in given]


def pending_changes(corpus_dirs, manifest: dict | None):
    """(added, changed, removed) between the corpus on disk and an index manifest: added and
    changed are SourceFiles, removed doc ids. A file the build skipped is pending only once its
    content changes (then it is tried again)."""
    sources = discover(corpus_dirs)
    known = (manifest or {}).get("documents", {})
    skipped = ((manifest or {}).get("build") or {}).get("skipped", {})
    added, changed = [], []
    for src in sources:
        entry, bad = known.get(src.doc_id), skipped.get(src.doc_id)
        if entry is None and bad is None:
            added.append(src)
            continue
        try:
            digest = file_hash(src.path)
        except OSError as exc:
            raise CorpusError(src.path, None, f"unreadable: {exc.strerror or exc}") from None
        if bad is not None and bad.get("sha256") == digest:
            continue                       # skipped as it is now: nothing new to index
        if entry is None:
            added.append(src)
        elif entry["sha256"] != digest:
            changed.append(src)
    on_disk = {s.doc_id for s in sources}
    removed = [d for d in known if d not in on_disk]
    return added, changed, removed


def dictionaries_changed(corpus_root, manifest: dict) -> list[str]:
    """Names of the dictionaries that differ from the build's (all of them for an old manifest
    whose overall digest differs)."""
    recorded = (manifest.get("build") or {}).get("dictionaries")
    if recorded is None:
        from .build import resources_digest
        return [] if manifest.get("resources") == resources_digest(corpus_root) else list(DICTIONARIES)
    now = dictionary_digests(corpus_root)
    return [name for name in DICTIONARIES if now.get(name) != recorded.get(name)]


def describe_changes(added, changed, removed, limit: int = NAMES_SHOWN) -> str:
    """'1 added (a), 2 changed (b, c), 0 removed'."""
    def part(n_label, ids):
        names = list(ids)[:limit]
        more = f", … {len(ids) - limit} more" if len(ids) > limit else ""
        return f"{len(ids)} {n_label}" + (f" ({', '.join(names)}{more})" if ids else "")
    return ", ".join((part("added", [s.doc_id for s in added]), part("changed", [s.doc_id for s in changed]),
                      part("removed", removed)))


def pending_report(manifest: dict, limit: int = NAMES_SHOWN) -> dict:
    """Pending corpus changes against the record, for /healthz: counts and the first names.
    {"added": n, "changed": n, "removed": n, "names": {...}} or {"error": reason}."""
    roots = recorded_corpus(manifest)
    if not roots:
        return {"error": "the index does not record its corpus folders"}
    try:
        added, changed, removed = pending_changes(roots, manifest)
    except CorpusError as exc:
        return {"error": exc.reason}
    return {"added": len(added), "changed": len(changed), "removed": len(removed),
            "names": {"added": [s.doc_id for s in added][:limit], "changed": [s.doc_id for s in changed][:limit],
                      "removed": removed[:limit]}}
