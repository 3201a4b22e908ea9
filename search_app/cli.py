"""`policy-search`: query the index from the shell, or serve the web app."""
from __future__ import annotations

import html
import json
import re
import sys

import click

from .query import QueryError
from .searcher import IndexUnavailable, Searcher


def _env_default(name, fallback):
    import os
    return os.environ.get(name, fallback)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Search Chinese policy clauses."""


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--index", "index_dir", default=lambda: _env_default("POLICY_SEARCH_INDEX", "index"),
              show_default="index", help="Index folder (env POLICY_SEARCH_INDEX).")
@click.option("--json", "as_json", is_flag=True, help="Print the result object as JSON.")
@click.option("--limit", "-n", default=10, show_default=True, help="Hits per page (1-50).")
@click.option("--page", "-p", default=1, show_default=True, help="Page of hits (1-based).")
@click.option("--dept", default=None, help="Only clauses of this department.")
@click.option("--doc", default=None, help="Only clauses of this document (id or title words).")
@click.argument("query", nargs=-1, required=True)
def query(index_dir, as_json, limit, page, dept, doc, query):
    """Search for QUERY: words (all required), "phrases", OR, -word/NOT, 部门:/dept:, 文件:/doc:.

    Exit status 2 for a bad query, 3 when there is no usable index.
    """
    text = " ".join(query)
    try:
        result = Searcher(index_dir).search(text, page=page, per_page=limit, dept=dept, doc=doc)
    except QueryError as exc:
        click.echo(f"bad query: {exc}", err=True)
        sys.exit(2)
    except IndexUnavailable as exc:
        click.echo(f"no index: {exc}", err=True)
        sys.exit(3)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    _print_readable(result)


def _print_readable(result):
    note = " (relaxed: not every word matched)" if result["relaxed"] else ""
    click.echo(f"{result['total']} clauses for {result['query']!r}{note}, page {result['page']}")
    for i, hit in enumerate(result["hits"], (result["page"] - 1) * result["per_page"] + 1):
        text = re.sub(r"<mark>(.*?)</mark>", lambda m: click.style(m[1], bold=True, fg="red"), hit["highlight"])
        click.echo(f"\n{i}. {hit['doc_title']} · {hit['article'] or hit['measure_no']} {hit['measure_title']}")
        click.echo(f"   {html.unescape(text)}")
        if hit["departments"]:
            click.echo(f"   {'、'.join(hit['departments'])}  [{hit['clause_id']}]")
        else:
            click.echo(f"   [{hit['clause_id']}]")


@main.command()
@click.option("--index", "index_dir", default=lambda: _env_default("POLICY_SEARCH_INDEX", "index"),
              show_default="index", help="Index folder (env POLICY_SEARCH_INDEX).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
def serve(index_dir, host, port, threads):
    """Serve the search page, JSON API and widget with waitress."""
    import waitress

    from . import create_app
    from .config import ConfigError
    try:
        app = create_app({"INDEX_DIR": index_dir})
    except ConfigError as exc:
        click.echo(f"bad setting: {exc}", err=True)
        sys.exit(2)
    app.extensions["policy_search"].warm()
    click.echo(f"policy-search serving {index_dir} on http://{host}:{port}/", err=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="policy-search",
                   max_request_body_size=app.config["MAX_CONTENT_LENGTH"])


if __name__ == "__main__":
    main()
