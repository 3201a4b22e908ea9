"""Building and updating the index: a complete new generation, verified, then published atomically."""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path


from . import checksums, facts
from .engine import index as engine_index
from .engine import manifest as engine_manifest
from .engine import verify as engine_verify
from .engine.clause_adder import ClauseAdder
from .engine.clause_record import ClauseRecord
from .clauses import document_clauses
from .corpus import discover, file_hash, mark_versions, read_all, read_source, unread_files
from .model import CorpusError, Document
from .engine.parallel import build_parts
from .record import (DICTIONARIES, CorpusMismatch, build_record, corpus_for, dictionaries_changed,
                     pending_changes, recorded_skip_bad)  # noqa: F401  (pending_changes: re-exported)
from .resources import corpus_analyzer, lay_terms, stopwords, synonym_groups
from .engine.schema import make_schema
from .store import IndexStore


LIMITMB = 256   # Whoosh's posting pool estimate for a one-process build or an update (parallel.py: workers)
# A build or update that would drop more than this share of the live index's documents is refused
# unless --allow-shrink (an unmounted or emptied corpus folder must not wipe search); one with no
# documents at all is always refused.
MAX_SHRINK = 0.25


class BuildError(RuntimeError):
    """The corpus or the new index failed a check; the live index was left untouched."""

    def __init__(self, message, errors=()):
        super().__init__(message)
        self.errors = list(errors)


def clause_records(doc: Document):
    """The engine's records of one policy document, one per clause."""
    meta = doc.meta
    doc_info = {"doc_title": doc.title, "category": meta.get("category"), "province": meta.get("province"),
                "version_date": meta.get("version_date"), "doc_number": meta.get("doc_number")}
    by_measure = {m.no: m for m in doc.measures}
    for order, clause in enumerate(document_clauses(doc)):
        m = by_measure[clause.measure_no]
        info = dict(doc_info, clause_id=clause.clause_id, measure_no=m.no, paragraph=clause.paragraph,
                    sentence=clause.sentence, measure_title=m.title, departments=m.departments,
                    chapter=m.chapter, article=m.article)
        yield ClauseRecord(
            doc_id=doc.doc_id, measure_key=f"{doc.doc_id}:{m.no}".encode(), order=order, text=clause.text,
            info={k: v for k, v in info.items() if v not in (None, "", [])},
            # an article's label is its `article` term, not title text
            measure_title=m.title if m.title and m.title != m.article else None,
            dept=",".join(d.replace(",", "，") for d in m.departments) or None,
            chapter=m.chapter or None, article=m.article or None,
            category=meta.get("category"), province=meta.get("province"), doc_number=meta.get("doc_number"),
            historical=bool(meta.get("historical")), facts=facts.states(clause.text))


def resources_digest(corpus_root) -> str:
    """Changes to these need a full build: they shape every token in the index."""
    h = hashlib.sha256()
    for name in DICTIONARIES:
        path = Path(corpus_root) / name
        h.update(path.read_bytes() if path.is_file() else b"-")
    h.update(repr(stopwords()).encode())
    return h.hexdigest()


def doc_summary(doc: Document, src, clauses: int) -> dict:
    return {"path": str(src.path), "sha256": file_hash(src.path), "format": doc.format, "title": doc.title,
            "measures": len(doc.measures), "clauses": clauses,
            "measure_titles": [m.title for m in doc.measures if not m.article and m.title],
            "meta": {k: v for k, v in doc.meta.items() if v not in (None, "", [], {})}}


def check_corpus(corpus_dirs):
    """(sources, documents, errors) without touching any index."""
    sources = discover(corpus_dirs)
    docs, errors = read_all(sources)
    try:
        lay_terms(corpus_dirs[0])
    except CorpusError as exc:
        errors.append(exc)
    return sources, docs, errors


def _write_docs(writer, docs, by_id, done=None):
    """Add the documents' clauses to the writer; `done(clauses)` after each document (progress)."""
    summaries = {}
    adder = ClauseAdder(writer)
    for doc in docs:
        n = 0
        for record in clause_records(doc):
            adder.add(record)
            n += 1
        summaries[doc.doc_id] = doc_summary(doc, by_id[doc.doc_id], n)
        if done is not None:
            done(n)
    return summaries


def available_cores() -> int:
    """Cores this process may run on (`--procs auto`)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def guard_size(store: IndexStore, new_ids, allow_shrink: bool) -> None:
    """Refuse to publish a generation with no documents, or one that loses more than MAX_SHRINK of
    the live one's documents unless allow_shrink: an empty, unmounted or wrong corpus folder must
    not replace a good index."""
    if not new_ids:
        raise BuildError("the new index would hold no documents (an empty or unmounted corpus folder?); "
                         "nothing was published, the live index keeps serving")
    live = store.manifest()
    old = set((live or {}).get("documents", {}))
    lost = old - set(new_ids)
    if old and not allow_shrink and len(lost) > MAX_SHRINK * len(old):
        raise BuildError(f"the new index would lose {len(lost)} of the live index's {len(old)} documents "
                         f"(more than {MAX_SHRINK:.0%}; e.g. {', '.join(sorted(lost)[:3])}); nothing was "
                         f"published, the live index keeps serving. If that is intended, run it again with "
                         f"--allow-shrink")


def verify(gen: Path, manifest: dict) -> None:
    """The new generation opens, holds exactly the corpus's clauses and documents, and answers probes
    in every segment (in a time independent of the index's size): engine.verify's checks, as a BuildError."""
    try:
        engine_verify.verify(gen, sum(d["clauses"] for d in manifest["documents"].values()), set(manifest["documents"]))
    except engine_verify.IndexCheckFailed as exc:
        raise BuildError(str(exc)) from None


def _write_json(path: Path, data) -> None:
    """Write beside, then rename: never into a file another generation may share by hard link."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _finish(store, gen, manifest, corpus_root, procs=1):
    _write_json(gen / "synonyms.json", synonym_groups(corpus_root))
    _write_json(gen / "manifest.json", manifest)
    engine_index.write_term_arrays(gen, procs)
    checksums.write(gen)
    verify(gen, manifest)
    store.publish(gen)


def _timestamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _progress(enabled, total: int, desc: str):
    if not enabled or not total:
        return None
    from .progress import Progress
    return Progress(total, desc)


def _index_docs(gen, docs, by_id, analyzer, procs, progress):
    """Write the documents into the empty generation folder; their summaries."""
    parallel = procs > 1 and len(docs) > 1
    bar = _progress(progress, len(docs), f"indexing in {procs} processes" if parallel else "indexing")
    try:
        if parallel:
            return build_parts(gen, docs, by_id, analyzer, _write_docs, procs, progress=bar)
        writer = engine_index.writer(engine_index.create_in(gen, make_schema(analyzer)), LIMITMB)
        summaries = _write_docs(writer, docs, by_id, bar and (lambda n: bar.advance(1, n)))
        writer.commit()
        return summaries
    finally:
        if bar is not None:
            bar.close()


def build_index(corpus_dirs, index_dir, skip_bad=False, progress=False, lock_timeout=0, procs=1,
                allow_shrink=False) -> dict:
    """Build a complete new index generation from the corpus folders and make it live.

    Refuses a corpus with unreadable files unless skip_bad, and a corpus that gives no documents or
    (unless allow_shrink) loses more than MAX_SHRINK of the live index's; on any failure the new
    generation is removed and the live index stays as it was.
    """
    t0 = time.time()
    corpus_dirs = [Path(c) for c in corpus_dirs]
    store = IndexStore(index_dir)
    with store.lock(lock_timeout):
        store.prune(keep_seconds=0 if store.current is None else 60)
        sources, docs, errors = check_corpus(corpus_dirs)
        if errors and not skip_bad:
            raise BuildError(f"{len(errors)} corpus file(s) failed the check; fix them or build with --skip-bad",
                             errors)
        guard_size(store, {d.doc_id for d in docs}, allow_shrink)
        by_id = {s.doc_id: s for s in sources}
        analyzer = corpus_analyzer(corpus_dirs[0])
        gen = store.new_generation()
        try:
            summaries = _index_docs(gen, docs, by_id, analyzer, procs, progress)
            manifest = {"format": engine_manifest.FORMAT, "built_at": _timestamp(),
                        "corpus_roots": [str(c.resolve()) for c in corpus_dirs],
                        "resources": resources_digest(corpus_dirs[0]),
                        "build": build_record(corpus_dirs, skip_bad, sources, errors),
                        "documents": summaries,
                        "skipped": [str(e) for e in errors]}
            _finish(store, gen, manifest, corpus_dirs[0], procs)
        except BaseException:
            store.discard(gen)
            raise
    clauses = sum(d["clauses"] for d in summaries.values())
    seconds = time.time() - t0
    return {"generation": gen.name, "documents": len(summaries), "clauses": clauses,
            "measures": sum(d["measures"] for d in summaries.values()), "skipped": [str(e) for e in errors],
            "seconds": round(seconds, 2), "clauses_per_s": round(clauses / seconds, 1) if seconds else None}


def update_index(corpus_dirs, index_dir, skip_bad=None, progress=False, lock_timeout=0,
                 allow_shrink=False, procs=1) -> dict:
    """Re-index only added, changed and removed documents, in a new generation sharing the old files.

    corpus_dirs None (or empty) and skip_bad None take what the live index's build recorded; other
    corpus folders than those are refused (record.CorpusMismatch) rather than read as removals.
    """
    t0 = time.time()
    store = IndexStore(index_dir)
    with store.lock(lock_timeout):
        if store.current is None:
            raise BuildError(f"no index in {index_dir} to update; run policy-index build first")
        manifest = store.manifest()
        if manifest is None:
            raise BuildError(f"the live index in {index_dir} has no readable manifest; run policy-index build")
        try:
            corpus_dirs = corpus_for(corpus_dirs, manifest)
        except CorpusMismatch as exc:
            raise BuildError(f"{exc}. Run policy-index update with no --corpus to update those folders, "
                             f"or policy-index build --corpus … to index another set") from None
        if skip_bad is None:
            skip_bad = recorded_skip_bad(manifest)
        changed_dicts = dictionaries_changed(corpus_dirs[0], manifest)
        if changed_dicts:
            raise BuildError(f"{' and '.join(changed_dicts)} changed since the last build: "
                             "run policy-index build (a full rebuild) instead")
        added, changed, removed = pending_changes(corpus_dirs, manifest)
        if not (added or changed or removed):
            return {"generation": store.current.name, "added": 0, "changed": 0, "removed": 0, "skipped": [],
                    "seconds": round(time.time() - t0, 2)}
        sources = {s.doc_id: s for s in discover(corpus_dirs)}
        docs, errors = [], []

        def read(src):
            try:
                docs.append(read_source(src))
            except (CorpusError, OSError, ValueError) as exc:
                errors.append(exc if isinstance(exc, CorpusError) else CorpusError(src.path, None, str(exc)))

        for src in added + changed:
            read(src)
        gone = set(removed) | {s.doc_id for s in changed}
        others = {d: info.get("meta", {}) for d, info in manifest["documents"].items() if d not in gone}
        for doc_id in sorted(mark_versions(docs, others)):  # a new version makes an old one historical
            changed.append(sources[doc_id])
            read(sources[doc_id])
        if errors and not skip_bad:
            raise BuildError(f"{len(errors)} corpus file(s) failed the check; fix them or update with --skip-bad",
                             errors)
        failed = {str(e.path) for e in errors}   # skipped: a changed file's last indexed version stays
        added = [a for a in added if str(a.path) not in failed]
        changed = [c for c in changed if str(c.path) not in failed]
        mark_versions(docs, others)
        by_id = {s.doc_id: s for s in added + changed}
        documents = dict(manifest["documents"])
        for doc_id in removed + [s.doc_id for s in changed]:
            documents.pop(doc_id, None)
        guard_size(store, set(documents) | set(by_id), allow_shrink)
        record = dict(manifest.get("build") or build_record(corpus_dirs, skip_bad, [], []))
        kept = {d: e for d, e in record.get("skipped", {}).items()
                if d in sources and d not in by_id and str(sources[d].path) not in failed}
        record.update(skipped={**kept, **build_record(corpus_dirs, skip_bad, list(sources.values()), errors)["skipped"]},
                      not_read=[str(p) for p in unread_files(corpus_dirs)])
        gen = store.copy_generation(store.current)
        try:
            try:
                ix = engine_index.open_dir(gen, for_writing=True)
            except Exception as exc:
                raise BuildError(f"the live index {store.current} is damaged ({type(exc).__name__}); "
                                 f"run policy-index build to rebuild it from the corpus") from None
            analyzer = corpus_analyzer(corpus_dirs[0])
            # several processes when there are documents to share, into segments of the same schema
            # (an index of an older schema is updated by one writer, in its own schema)
            parallel = procs > 1 and len(docs) > 1 and set(ix.schema.names()) == set(make_schema(analyzer).names())
            writer = engine_index.writer(ix, LIMITMB)
            for doc_id in removed + [s.doc_id for s in changed]:
                writer.delete_by_term("doc_id", doc_id)
            bar = _progress(progress, len(docs), f"updating in {procs} processes" if parallel else "updating")
            try:
                if parallel:
                    writer.commit(merge=False)          # the deletions; the new segments join after
                    summaries = build_parts(gen, docs, by_id, analyzer, _write_docs, procs, progress=bar,
                                            base=engine_index.read_toc(gen))
                else:
                    summaries = _write_docs(writer, docs, by_id, bar and (lambda n: bar.advance(1, n)))
                    writer.commit()
            finally:
                if bar is not None:
                    bar.close()
            documents.update(summaries)
            new_manifest = dict(manifest, documents=documents, updated_at=_timestamp(), build=record,
                                skipped=[e["reason"] for e in record["skipped"].values()])
            _finish(store, gen, new_manifest, corpus_dirs[0], procs)
        except BaseException:
            store.discard(gen)
            raise
    return {"generation": gen.name, "added": len(added), "changed": len(changed), "removed": len(removed),
            "skipped": [str(e) for e in errors], "seconds": round(time.time() - t0, 2)}
