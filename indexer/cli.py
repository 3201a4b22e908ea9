"""`policy-index`: check the corpus, build, update, roll back and describe the index."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .build import MAX_SHRINK, BuildError, available_cores, build_index, check_corpus, update_index
from .corpus import unread_files
from .model import CorpusError
from .checksums import IndexDamaged
from .progress import INTERVAL
from .record import (NAMES_SHOWN, CorpusMismatch, corpus_for, describe_changes, dictionaries_changed,
                     folder_difference, pending_changes, recorded_corpus, recorded_skip_bad, shown)
from .store import IndexBusy, IndexStore

corpus_option = click.option(
    "--corpus", "corpus_dirs", multiple=True, type=click.Path(),
    help="Corpus folder; repeat to index several collections together (the first holds userdict.txt "
         "and synonyms.txt; each further folder's document ids are prefixed with its name). "
         "Default: the folders the live index was built from, else corpus.")
index_option = click.option("--index", "index_dir", default="index", show_default=True, type=click.Path(),
                            help="Index folder (generations, CURRENT and PREVIOUS pointers).")
wait_option = click.option("--wait", default=0.0, show_default=True, type=float,
                           help="Seconds to wait for another running build/update to finish.")
skip_bad_option = click.option(
    "--skip-bad/--no-skip-bad", default=None,
    help="Index the readable files and leave out (and name) the bad ones. Default: as the live index was built.")
shrink_option = click.option(
    "--allow-shrink", is_flag=True,
    help=f"Publish even when the new index loses more than {MAX_SHRINK:.0%} of the live one's documents "
         "(an index with no documents is never published).")
progress_option = click.option(
    "--progress/--no-progress", default=True, show_default=True,
    help=f"Progress on stderr: a bar on a terminal, else a line every {INTERVAL:.0f} s.")


def _procs(ctx, param, value) -> int:
    if value == "auto":
        return available_cores()
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise click.BadParameter("a number of processes (1 or more) or 'auto'")
    return n


procs_option = click.option("--procs", default="auto", show_default=True, callback=_procs,
                            help="Processes that analyse text in parallel; auto: one per core.")


def _install_engine() -> None:
    """The engine's patches, before any command opens an index; wrong library versions exit 2."""
    from indexer.engine import EngineVersionError, install
    try:
        install()
    except EngineVersionError as exc:
        raise click.UsageError(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Build and maintain the policy-search index."""
    _install_engine()


def _report_errors(errors):
    for e in errors:
        click.echo(f"  {e}", err=True)


def _fail(exc, code=1):
    click.echo(f"error: {exc}", err=True)
    _report_errors(getattr(exc, "errors", []))
    sys.exit(code)


def _corpus(given, index_dir, mismatch_fails=True):
    """The corpus folders to use and the live manifest (record.corpus_for)."""
    manifest = IndexStore(index_dir).manifest()
    try:
        return corpus_for(given, manifest), manifest
    except CorpusMismatch as exc:
        if mismatch_fails:
            _fail(f"{exc}. Leave out --corpus to use those folders, or run policy-index build --corpus … "
                  "to index another set")
        return [Path(g) for g in given], manifest


@main.command()
@corpus_option
@index_option
@skip_bad_option
@click.option("--if-stale", is_flag=True, help="Do nothing when the index is already up to date with the corpus "
                                               "(else say why it builds).")
@shrink_option
@progress_option
@procs_option
@wait_option
def build(corpus_dirs, index_dir, skip_bad, if_stale, allow_shrink, progress, procs, wait):
    """Build a complete new index from the corpus and switch to it atomically once verified.

    The live index keeps serving until then; a failed or interrupted build leaves it untouched.
    Without --corpus it rebuilds the folders the live index was built from.
    """
    corpus_dirs, manifest = _corpus(corpus_dirs, index_dir, mismatch_fails=False)
    if skip_bad is None:
        skip_bad = recorded_skip_bad(manifest)
    try:
        if if_stale:
            reason = stale_reason(corpus_dirs, index_dir)
            if not reason:
                click.echo(f"index {index_dir} is up to date", err=True)
                return
            click.echo(f"building {index_dir}: {reason}", err=True)
        summary = build_index(corpus_dirs, index_dir, skip_bad=skip_bad, procs=procs, lock_timeout=wait,
                              progress=progress, allow_shrink=allow_shrink)
    except (BuildError, CorpusError, IndexBusy) as exc:
        _fail(exc)
    for skipped in summary["skipped"]:
        click.echo(f"skipped {skipped}", err=True)
    click.echo(f"built {summary['generation']}: {summary['documents']} documents, {summary['measures']} measures, "
               f"{summary['clauses']} clauses in {summary['seconds']} s ({summary['clauses_per_s']} clauses/s)")


def stale_reason(corpus_dirs, index_dir) -> str | None:
    """Why the index does not match the corpus, or None when it does."""
    manifest = IndexStore(index_dir).manifest()
    if manifest is None:
        return "no index yet"
    recorded = recorded_corpus(manifest)
    difference = folder_difference(corpus_dirs, recorded) if recorded else "no corpus folders recorded"
    if difference:
        return f"other corpus folders ({difference})"
    changed_dicts = dictionaries_changed(corpus_dirs[0], manifest)
    if changed_dicts:
        return f"{' and '.join(changed_dicts)} changed"
    added, changed, removed = pending_changes(corpus_dirs, manifest)
    if added or changed or removed:
        return describe_changes(added, changed, removed)
    return None


@main.command()
@corpus_option
@index_option
@skip_bad_option
@shrink_option
@progress_option
@procs_option
@wait_option
def update(corpus_dirs, index_dir, skip_bad, allow_shrink, progress, procs, wait):
    """Re-index only the documents added, changed or removed since the last build.

    Without --corpus it updates the folders the live index was built from, with its --skip-bad;
    other folders are refused (naming the difference), never read as removals.
    """
    try:
        summary = update_index(list(corpus_dirs) or None, index_dir, skip_bad=skip_bad, lock_timeout=wait,
                               progress=progress, allow_shrink=allow_shrink, procs=procs)
    except (BuildError, CorpusError, IndexBusy) as exc:
        _fail(exc)
    for skipped in summary.get("skipped", []):
        click.echo(f"skipped {skipped}", err=True)
    click.echo(f"updated {summary['generation']}: {summary['added']} added, {summary['changed']} changed, "
               f"{summary['removed']} removed in {summary['seconds']} s")


@main.command()
@corpus_option
@index_option
def check(corpus_dirs, index_dir):
    """Validate every corpus file without touching the index; exit 1 when any is bad.

    Lists every problem of every file, grouped by file with its line: unreadable files, empty
    files, files in no format that is read, and regulations with repeated, missing or empty
    articles (warnings: those are indexed as read).
    """
    corpus_dirs, _ = _corpus(corpus_dirs, index_dir, mismatch_fails=False)
    try:
        sources, docs, errors = check_corpus(corpus_dirs)
    except CorpusError as exc:
        _fail(exc)
    from .checks import document_warnings
    from .readers import unsupported
    by_file: dict[str, list] = {}
    for e in errors:
        by_file.setdefault(e.path, []).extend(e.problems)
    warnings = 0
    for doc in docs:
        found = document_warnings(doc)
        warnings += len(found)
        if found:
            by_file.setdefault(doc.path, []).extend(found)
    unread = unread_files(corpus_dirs)
    for path in unread:
        by_file.setdefault(str(path), []).append(CorpusError(path, None, unsupported(path)))
    for path in sorted(by_file):
        found = sorted(by_file[path], key=lambda e: e.line or 0)
        click.echo(f"{path}: {len(found)} problem{'s' if len(found) > 1 else ''}", err=True)
        for e in found:
            click.echo(f"  {e}", err=True)
    problems = sum(len(e.problems) for e in errors)
    measures = sum(len(d.measures) for d in docs)
    click.echo(f"{len(sources)} files, {len(docs)} documents, {measures} measures, {problems} problems"
               + (f", {warnings} warnings" if warnings else "") + (f", {len(unread)} not read" if unread else ""))
    sys.exit(1 if errors or warnings or unread else 0)


@main.command()
@corpus_option
@index_option
def stats(corpus_dirs, index_dir):
    """Live generation, documents, measures, clauses, terms, size, build and update times, how it
    was built, and the corpus changes pending (by name)."""
    store = IndexStore(index_dir)
    manifest = store.manifest()
    if manifest is None:
        _fail(f"no index in {index_dir}; run policy-index build", code=3)
    corpus_dirs, _ = _corpus(corpus_dirs, index_dir)
    from .engine import index as engine_index
    ix = engine_index.open_dir(store.current)
    with ix.reader() as r:
        terms = sum(1 for _ in r.all_terms())
    size = sum(f.stat().st_size for f in store.current.iterdir() if f.is_file())
    docs = manifest["documents"]
    record = manifest.get("build") or {}
    click.echo(f"index:      {store.current}")
    click.echo(f"generation: {store.current.name}")
    click.echo(f"documents:  {len(docs)}")
    click.echo(f"measures:   {sum(d['measures'] for d in docs.values())}")
    click.echo(f"clauses:    {sum(d['clauses'] for d in docs.values())}")
    click.echo(f"terms:      {terms}")
    click.echo(f"size:       {size / 1e6:.1f} MB")
    click.echo(f"built:      {manifest.get('built_at')}")
    click.echo(f"updated:    {manifest.get('updated_at') or 'never'}")
    click.echo(f"corpus:     {' '.join('--corpus ' + shown(c) for c in corpus_dirs)}"
               + (" --skip-bad" if record.get("skip_bad") else ""))
    skipped = record.get("skipped") or {}
    click.echo(f"skipped:    {len(skipped) if record else len(manifest.get('skipped', []))}")
    for entry in skipped.values():
        click.echo(f"  {entry['reason']}")
    if record.get("not_read"):
        click.echo(f"not read:   {len(record['not_read'])} (no reader for their format)")
        for path in record["not_read"][:NAMES_SHOWN]:
            click.echo(f"  {path}")
    try:
        reason = stale_reason(corpus_dirs, index_dir)
    except CorpusError as exc:
        reason = str(exc)
    click.echo(f"pending:    {reason or 'none'}")


@main.command()
@index_option
@wait_option
def rollback(index_dir, wait):
    """Make the previous good index live again (the current one becomes previous).

    Every file of the previous index is first checked against its checksums: exit 3, nothing
    switched, when it is damaged.
    """
    store = IndexStore(index_dir)
    try:
        with store.lock(wait):
            gen = store.rollback()
    except (FileNotFoundError, IndexBusy) as exc:
        _fail(exc)
    except IndexDamaged as exc:
        _fail(exc, code=3)
    click.echo(f"rolled back to {gen.name}")


@main.command("check-index")
@index_option
def check_index(index_dir):
    """Read every file of the live index (and the previous one) back against the checksums
    written at build. Exit 0 when they match, 3 with a one-line reason when the live one is
    damaged or missing (a damaged previous one is named, exit 1)."""
    from . import checksums
    store = IndexStore(index_dir)
    if store.current is None or not store.current.is_dir():
        _fail(f"no index in {index_dir}; run policy-index build", code=3)
    try:
        checked = checksums.verify(store.current)
    except IndexDamaged as exc:
        _fail(exc, code=3)
    click.echo(f"{store.current.name}: " + ("every file matches its checksum" if checked
                                             else "built before checksums: not checked"))
    if store.previous is not None and store.previous.is_dir():
        try:
            checksums.verify(store.previous)
        except IndexDamaged as exc:
            _fail(f"previous index: {exc}")


if __name__ == "__main__":
    main()
