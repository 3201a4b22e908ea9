"""Corpus discovery: which files are documents, and the stable ids links and updates rely on."""
from __future__ import annotations

import pytest

from indexer.corpus import discover, doc_id_for
from indexer.model import CorpusError


def touch(path, text="x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_ids_come_from_paths_inside_the_corpus_folder(tmp_path):
    """Top-level files: their stem; below: sub/dir/stem. Further folders are prefixed with their name."""
    first, second = tmp_path / "corpus", tmp_path / "法规"
    for path in (first / "one.txt", first / "sub" / "two.txt", second / "three.txt"):
        touch(path)
    assert [(s.doc_id, s.path.name) for s in discover([first, second])] == [
        ("one", "one.txt"), ("sub/two", "two.txt"), ("法规/three", "three.txt")]


def test_dictionaries_hidden_and_foreign_files_are_not_documents(tmp_path):
    for name in ("userdict.txt", "synonyms.txt", "README.md", ".hidden.txt", ".git/x.txt", "scan.pdf", "list.txt"):
        touch(tmp_path / name)
    assert [s.doc_id for s in discover([tmp_path])] == ["list"]


def test_colons_never_reach_an_id(tmp_path):
    """Clause ids are doc:measure:paragraph:sentence, so a document id cannot hold ':'."""
    assert doc_id_for(tmp_path, tmp_path / "a:b.txt") == "a_b"


def test_two_files_with_one_id_are_refused(tmp_path):
    touch(tmp_path / "one.txt")
    touch(tmp_path / "one.tsv")
    with pytest.raises(CorpusError, match="same document id 'one'"):
        discover([tmp_path])


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(CorpusError, match="corpus folder not found"):
        discover([tmp_path / "nowhere"])
