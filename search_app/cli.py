"""`policy-search`: query the index from the shell, or serve the web app."""
from __future__ import annotations

import html
import json
import re
import sys

import click

from . import serving
from .arrange import GROUPS, SORTS, VERSIONS
from .query import QueryError
from .searcher import IndexUnavailable, Searcher


def _env_default(name, fallback):
    import os
    return os.environ.get(name, fallback)


def _install_engine() -> None:
    """The engine's patches, before any command opens an index; wrong library versions exit 2."""
    from indexer.engine import EngineVersionError, install
    try:
        install()
    except EngineVersionError as exc:
        raise click.UsageError(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Search Chinese policy clauses."""
    _install_engine()


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--index", "index_dir", default=lambda: _env_default("POLICY_SEARCH_INDEX", "index"),
              show_default="index", help="Index folder (env POLICY_SEARCH_INDEX).")
@click.option("--json", "as_json", is_flag=True, help="Print the result object as JSON.")
@click.option("--limit", "-n", default=10, show_default=True, help="Hits per page (1-50).")
@click.option("--page", "-p", default=1, show_default=True, help="Page of hits (1-based).")
@click.option("--dept", default=None, help="Only clauses of this department.")
@click.option("--doc", default=None, help="Only clauses of this document (id or title words).")
@click.option("--category", default=None, help="Only documents of this category (法律, 司法解释, 地方性法规, …).")
@click.option("--province", default=None, help="Only documents of this province (上海, 山西, …).")
@click.option("--from", "date_from", default=None, help="Only documents dated on or after (2020, 2020-06, 2020-06-01).")
@click.option("--to", "date_to", default=None, help="Only documents dated on or before (same forms as --from).")
@click.option("--version", type=click.Choice(VERSIONS), default=None,
              help="Current versions (the default), all, or historical ones only.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="Best first, or newest document first.")
@click.option("--group", type=click.Choice(GROUPS), default=None, help="Hits grouped by their document.")
@click.argument("query", nargs=-1, required=True)
def query(index_dir, as_json, limit, page, dept, doc, category, province, date_from, date_to, version, sort,
          group, query):
    """Search for QUERY: words (all required), "phrases", OR, -word/NOT, 部门:/dept:, 文件:/doc:.

    Exit status 2 for a bad query, 3 when there is no usable index.
    """
    text = " ".join(query)
    for name, value in (("QUERY", text), ("--dept", dept), ("--doc", doc), ("--category", category),
                        ("--province", province), ("--from", date_from), ("--to", date_to)):
        if value and _undecodable(value):
            click.echo(f"bad query: {name} is not valid UTF-8 text", err=True)
            sys.exit(2)
    try:
        filters = {k: v for k, v in (("category", category), ("province", province), ("from", date_from),
                                     ("to", date_to), ("version", version)) if v}
        result = Searcher(index_dir).search(text, page=page, per_page=limit, dept=dept, doc=doc, filters=filters,
                                            sort=sort, group=group)
    except QueryError as exc:
        click.echo(f"bad query: {exc}", err=True)
        sys.exit(2)
    except IndexUnavailable as exc:
        click.echo(f"no index: {exc}", err=True)
        sys.exit(3)
    if as_json:
        click.echo(_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(result, ensure_ascii=False)))
        return
    _print_readable(result)


# Characters a terminal acts on rather than shows: C0/C1 controls (ESC starts colour and cursor
# sequences, BEL rings), DEL, and the bidirectional overrides/isolates (U+202E reverses what follows).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _undecodable(value: str) -> bool:
    """An argument holding bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    return any("\ud800" <= c <= "\udfff" for c in value)


def _safe(value) -> str:
    """Corpus text fit for a terminal: the characters above shown as escapes (\\x1b, \\u202e)."""
    text = "" if value is None else str(value)
    return _UNSAFE.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


def _print_readable(result):
    note = " (relaxed: not every word matched)" if result["relaxed"] else ""
    click.echo(f"{result['total']} clauses for {_safe(repr(result['query']))}{note}, page {result['page']}")
    for i, hit in enumerate(result["hits"], (result["page"] - 1) * result["per_page"] + 1):
        # unescape and make safe each piece of the highlight, then style the marked ones
        pieces = re.split(r"<mark>(.*?)</mark>", hit["highlight"])
        text = "".join(click.style(_safe(html.unescape(p)), bold=True, fg="red") if k % 2 else _safe(html.unescape(p))
                       for k, p in enumerate(pieces))
        click.echo(f"\n{i}. {_safe(hit['doc_title'])} · {_safe(hit['article'] or hit['measure_no'])} "
                   f"{_safe(hit['measure_title'])}")
        click.echo(f"   {text}")
        where = _safe(hit["clause_id"])
        if hit["departments"]:
            click.echo(f"   {_safe('、'.join(hit['departments']))}  [{where}]")
        else:
            click.echo(f"   [{where}]")


@main.command()
@click.option("--index", "index_dir", default=lambda: _env_default("POLICY_SEARCH_INDEX", "index"),
              show_default="index", help="Index folder (env POLICY_SEARCH_INDEX).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Request threads per process.")
@click.option("--workers", metavar="N", default=lambda: _env_default("POLICY_SEARCH_WORKERS", "").strip() or "1",
              show_default="1",
              help="Server processes (env POLICY_SEARCH_WORKERS). 1: one waitress process, which uses at "
                   "most one core (Python's GIL); 2 or more: gunicorn with that many worker processes of "
                   "--threads threads each (Linux/macOS), e.g. the number of cores. Each process opens "
                   "and warms its own index searcher and result cache.")
def serve(index_dir, host, port, threads, workers):
    """Serve the search page, JSON API and widget (waitress; gunicorn with --workers 2 or more).

    Exit status 2 for a bad setting. Ctrl-C or SIGTERM stops the server and all its workers.
    """
    from . import create_app
    from .config import ConfigError
    try:
        workers = _count_setting("workers", workers, "POLICY_SEARCH_WORKERS")
        threads = _count_setting("threads", threads)
        if workers == 1:
            app = create_app({"INDEX_DIR": index_dir})
        else:
            # every setting checked here, in the parent; the index itself is opened only in the
            # workers, after the fork (Whoosh file handles and thread-locals are not shared)
            create_app({"INDEX_DIR": index_dir, "SEARCHER": _NOT_OPENED})
            server = serving.gunicorn_server(index_dir, host, port, threads, workers)
    except ConfigError as exc:
        click.echo(f"bad setting: {exc}", err=True)
        sys.exit(2)
    if workers == 1:
        import waitress

        serving.warm(app)
        click.echo(f"policy-search serving {index_dir} on http://{serving.url_host(host)}:{port}/", err=True)
        waitress.serve(app, host=host, port=port, threads=threads, ident="policy-search",
                       max_request_body_size=app.config["MAX_CONTENT_LENGTH"])
        return
    click.echo(f"policy-search serving {index_dir} on http://{serving.url_host(host)}:{port}/ "
               f"with {workers} worker processes × {threads} threads (gunicorn)", err=True)
    server.run()


_NOT_OPENED = object()   # stands in for the searcher while the parent only checks the settings


def _count_setting(name, value, env=None) -> int:
    """A whole number ≥ 1 from an option or (for its default) the environment; ConfigError if not."""
    from .config import ConfigError
    from_default = click.get_current_context().get_parameter_source(name) == click.core.ParameterSource.DEFAULT
    where = env if env and from_default else f"--{name}"
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where} must be a whole number, got {value!r}") from None
    if number < 1:
        raise ConfigError(f"{where} must be at least 1, got {number}")
    return number


if __name__ == "__main__":
    main()
