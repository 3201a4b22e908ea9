"""`policy-index`: check the corpus, build, update, roll back and describe the index."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .build import BuildError, build_index, check_corpus, pending_changes, resources_digest, update_index
from .model import CorpusError
from .checksums import IndexDamaged
from .store import IndexBusy, IndexStore

corpus_option = click.option(
    "--corpus", "corpus_dirs", multiple=True, default=("corpus",), show_default=True, type=click.Path(),
    help="Corpus folder; repeat to index several collections together (the first holds userdict.txt "
         "and synonyms.txt; each further folder's document ids are prefixed with its name).")
index_option = click.option("--index", "index_dir", default="index", show_default=True, type=click.Path(),
                            help="Index folder (generations, CURRENT and PREVIOUS pointers).")
wait_option = click.option("--wait", default=0.0, show_default=True, type=float,
                           help="Seconds to wait for another running build/update to finish.")


def _progress_default():
    return sys.stderr.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Build and maintain the policy-search index."""


def _report_errors(errors):
    for e in errors:
        click.echo(f"  {e}", err=True)


def _fail(exc, code=1):
    click.echo(f"error: {exc}", err=True)
    _report_errors(getattr(exc, "errors", []))
    sys.exit(code)


@main.command()
@corpus_option
@index_option
@click.option("--skip-bad", is_flag=True, help="Index the readable files and leave out (and name) the bad ones.")
@click.option("--if-stale", is_flag=True, help="Do nothing when the index is already up to date with the corpus.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: only on a terminal).")
@click.option("--procs", default=1, show_default=True, type=int, help="Processes that analyse text in parallel.")
@wait_option
def build(corpus_dirs, index_dir, skip_bad, if_stale, progress, procs, wait):
    """Build a complete new index from the corpus and switch to it atomically once verified.

    The live index keeps serving until then; a failed or interrupted build leaves it untouched.
    """
    try:
        if if_stale and not stale_reason(corpus_dirs, index_dir):
            click.echo(f"index {index_dir} is up to date", err=True)
            return
        summary = build_index(corpus_dirs, index_dir, skip_bad=skip_bad, procs=procs, lock_timeout=wait,
                              progress=_progress_default() if progress is None else progress)
    except (BuildError, CorpusError, IndexBusy) as exc:
        _fail(exc)
    for skipped in summary["skipped"]:
        click.echo(f"skipped {skipped}", err=True)
    click.echo(f"built {summary['generation']}: {summary['documents']} documents, {summary['measures']} measures, "
               f"{summary['clauses']} clauses in {summary['seconds']} s ({summary['clauses_per_s']} clauses/s)")


def stale_reason(corpus_dirs, index_dir) -> str | None:
    """Why the index does not match the corpus, or None when it does."""
    store = IndexStore(index_dir)
    manifest = store.manifest()
    if manifest is None:
        return "no index"
    if manifest.get("corpus_roots") != [str(Path(c).resolve()) for c in corpus_dirs]:
        return "different corpus folders"
    if manifest.get("resources") != resources_digest(corpus_dirs[0]):
        return "dictionaries changed"
    added, changed, removed = pending_changes(corpus_dirs, manifest)
    if added or changed or removed:
        return f"{len(added)} added, {len(changed)} changed, {len(removed)} removed"
    return None


@main.command()
@corpus_option
@index_option
@click.option("--skip-bad", is_flag=True, help="Leave out (and name) files that fail the check.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: only on a terminal).")
@wait_option
def update(corpus_dirs, index_dir, skip_bad, progress, wait):
    """Re-index only the documents added, changed or removed since the last build."""
    try:
        summary = update_index(corpus_dirs, index_dir, skip_bad=skip_bad, lock_timeout=wait,
                               progress=_progress_default() if progress is None else progress)
    except (BuildError, CorpusError, IndexBusy) as exc:
        _fail(exc)
    for skipped in summary.get("skipped", []):
        click.echo(f"skipped {skipped}", err=True)
    click.echo(f"updated {summary['generation']}: {summary['added']} added, {summary['changed']} changed, "
               f"{summary['removed']} removed in {summary['seconds']} s")


@main.command()
@corpus_option
def check(corpus_dirs):
    """Validate every corpus file without touching the index; exit 1 when any is bad."""
    try:
        sources, docs, errors = check_corpus(corpus_dirs)
    except CorpusError as exc:
        _fail(exc)
    _report_errors(errors)
    measures = sum(len(d.measures) for d in docs)
    click.echo(f"{len(sources)} files, {len(docs)} documents, {measures} measures, {len(errors)} problems")
    sys.exit(1 if errors else 0)


@main.command()
@corpus_option
@index_option
def stats(corpus_dirs, index_dir):
    """Documents, measures, clauses, terms, size, last build, and corpus changes pending."""
    store = IndexStore(index_dir)
    manifest = store.manifest()
    if manifest is None:
        _fail(f"no index in {index_dir}; run policy-index build", code=3)
    from whoosh import index as whoosh_index
    ix = whoosh_index.open_dir(str(store.current))
    with ix.reader() as r:
        terms = sum(1 for _ in r.all_terms())
    size = sum(f.stat().st_size for f in store.current.iterdir() if f.is_file())
    docs = manifest["documents"]
    click.echo(f"index:      {store.current}")
    click.echo(f"documents:  {len(docs)}")
    click.echo(f"measures:   {sum(d['measures'] for d in docs.values())}")
    click.echo(f"clauses:    {sum(d['clauses'] for d in docs.values())}")
    click.echo(f"terms:      {terms}")
    click.echo(f"size:       {size / 1e6:.1f} MB")
    click.echo(f"built:      {manifest.get('updated_at') or manifest.get('built_at')}")
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
