"""Corpus discovery: which files are documents, and the stable ids links and updates rely on."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.corpus import discover, doc_id_for
from indexer.model import CorpusError

ROOT = Path(__file__).resolve().parents[2]


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


# -- issue 12: links out of the corpus ------------------------------------------------------------

def _corpus_with_link(tmp_path, target: Path) -> Path:
    from tests.conftest import copy_corpus
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "passwd.txt").symlink_to(target)
    return corpus


def test_a_link_out_of_the_corpus_is_refused_and_named(tmp_path, monkeypatch):
    from indexer.build import check_corpus
    monkeypatch.delenv("POLICY_SEARCH_ALLOW_OUTSIDE_LINKS", raising=False)
    secret = tmp_path / "secret.txt"
    secret.write_text((ROOT / "corpus" / "shanxi-innovation-reform-measures.txt").read_text(encoding="utf-8")
                      .replace("专利", "机密口令"), encoding="utf-8")
    corpus = _corpus_with_link(tmp_path, secret)
    _, docs, errors = check_corpus([corpus])
    assert "passwd" not in {d.doc_id for d in docs}
    assert len(errors) == 1 and str(corpus / "passwd.txt") in str(errors[0]) and "outside" in str(errors[0])
    monkeypatch.setenv("POLICY_SEARCH_ALLOW_OUTSIDE_LINKS", "1")        # configured: followed
    _, docs, errors = check_corpus([corpus])
    assert "passwd" in {d.doc_id for d in docs} and not errors


def test_links_inside_the_corpus_folders_are_followed(tmp_path, monkeypatch):
    from indexer.build import check_corpus
    monkeypatch.delenv("POLICY_SEARCH_ALLOW_OUTSIDE_LINKS", raising=False)
    from tests.conftest import copy_corpus
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "alias.txt").symlink_to(corpus / "shanxi-innovation-reform-measures.txt")
    _, docs, errors = check_corpus([corpus])
    assert not errors and "alias" in {d.doc_id for d in docs}


def test_build_and_update_refuse_a_link_to_etc_passwd(tmp_path, monkeypatch):
    from indexer.build import BuildError, build_index, update_index
    monkeypatch.delenv("POLICY_SEARCH_ALLOW_OUTSIDE_LINKS", raising=False)
    from tests.conftest import copy_corpus
    corpus, index = copy_corpus(tmp_path / "corpus"), tmp_path / "index"
    build_index([corpus], index)
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    for run in (build_index, update_index):
        with pytest.raises(BuildError) as err:
            run([corpus], index)
        assert any("passwd.txt" in str(e) and "outside" in str(e) for e in err.value.errors)
    summary = update_index([corpus], index, skip_bad=True)
    assert any("passwd.txt" in s for s in summary["skipped"])
