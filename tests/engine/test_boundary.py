"""The index engine is one package: only indexer/engine/ knows Whoosh and jieba, and what it
writes is the format earlier builds wrote."""
from __future__ import annotations

import ast
import pickle

from tests.conftest import ROOT

ENGINE_LIBRARIES = ("whoosh", "jieba")


def imported_modules(path) -> set[str]:
    """Every module a Python file imports, at any depth (function-local imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_only_the_engine_package_imports_whoosh_or_jieba():
    outside = {}
    for package in ("indexer", "search_app"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if (ROOT / "indexer" / "engine") in path.parents:
                continue
            used = {m for m in imported_modules(path) if m.split(".")[0] in ENGINE_LIBRARIES}
            if used:
                outside[str(path.relative_to(ROOT))] = sorted(used)
    assert outside == {}
    engine = {m.split(".")[0] for path in (ROOT / "indexer" / "engine").glob("*.py") for m in imported_modules(path)}
    assert set(ENGINE_LIBRARIES) <= engine       # (the scan sees imports at all)


def test_the_schema_pickles_the_analyzer_under_the_names_earlier_indexes_use():
    """Moving the analyzer into the engine changed no byte of the format: the table of contents
    still names indexer.analysis, and indexes pickled that way load the engine's classes."""
    from indexer.engine import analysis
    from indexer.engine.schema import make_schema
    data = pickle.dumps(make_schema(analysis.make_analyzer((("应收账款", 2000, None),), ("的",))), 2)
    assert b"indexer.analysis" in data and b"indexer.engine" not in data
    schema = pickle.loads(data)
    assert type(schema["text"].analyzer[0]) is analysis.JiebaTokenizer
    assert [t.text for t in schema["text"].analyzer("应收账款融资") if not t.subword] == ["应收账款", "融资"]


def test_a_generation_of_another_format_is_refused_on_open_with_what_to_do(tmp_path, corpus_dir):
    """The manifest's format version is checked when the engine opens a generation: the searcher
    answers 'rebuild' instead of reading files it does not understand."""
    import json

    import pytest

    from indexer import checksums
    from indexer.build import build_index
    from indexer.engine import index, manifest
    from indexer.store import IndexStore
    from search_app.searcher import IndexUnavailable, Searcher
    build_index([corpus_dir], tmp_path / "index")
    gen = IndexStore(tmp_path / "index").current
    assert json.loads((gen / "manifest.json").read_text(encoding="utf-8"))["format"] == manifest.FORMAT
    index.open_dir(gen).close()
    data = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    (gen / "manifest.json").write_text(json.dumps(dict(data, format=manifest.FORMAT + 1)), encoding="utf-8")
    checksums.write(gen)                 # a whole generation written so, not a damaged one
    with pytest.raises(manifest.IndexFormatError, match="rebuild"):
        index.open_dir(gen)
    with pytest.raises(IndexUnavailable, match=f"format {manifest.FORMAT + 1}"):
        Searcher(tmp_path / "index").search("专利")
