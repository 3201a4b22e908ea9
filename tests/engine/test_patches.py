"""install(): the engine's changes to Whoosh and jieba happen when asked, for the versions they fit."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from indexer.engine import EngineVersionError, check_versions, install, installed
from tests.conftest import ROOT


def test_the_installed_versions_are_the_ones_the_patches_were_written_for():
    check_versions()            # raises otherwise
    install()                   # a second call (conftest made the first) changes nothing
    assert installed()


@pytest.mark.parametrize("whoosh, jieba, named", [
    ((2, 7, 5), "0.42.1", "Whoosh 2.7.5 (written for 2.7.4)"),
    ((2, 7, 4), "0.43.0", "jieba 0.43.0 (written for 0.42.1)"),
])
def test_other_versions_are_refused_with_what_was_found_and_what_is_needed(whoosh, jieba, named):
    with pytest.raises(EngineVersionError, match="requirements.txt") as err:
        check_versions(whoosh, jieba)
    assert named in str(err.value)


IMPORT_ONLY = textwrap.dedent("""
    import jieba
    from whoosh.codec import whoosh3
    from whoosh.filedb.filestore import FileStorage
    own = (FileStorage.create_file, whoosh3.W3FieldWriter.add_postings, whoosh3.W3PostingsWriter._write_block,
           jieba.Tokenizer.get_DAG)
    import indexer.build, indexer.cli, search_app.searcher, search_app.cli   # everything, imported
    from indexer.engine import jieba_speedups, whoosh_fixes
    print(whoosh_fixes.installed(), jieba_speedups.installed())
    print(own == (FileStorage.create_file, whoosh3.W3FieldWriter.add_postings,
                  whoosh3.W3PostingsWriter._write_block, jieba.Tokenizer.get_DAG))
    from indexer.engine import install
    install()
    print(whoosh_fixes.installed(), jieba_speedups.installed())
    print(FileStorage.create_file is own[0], whoosh3.W3FieldWriter.add_postings is own[1])
""")


def test_importing_changes_nothing_install_changes_the_fixes_and_never_the_writers():
    """Importing any of our modules leaves Whoosh and jieba as they are; install() adds the fixes
    and speedups, and still leaves Whoosh's writers and storage to every other Whoosh user."""
    out = subprocess.run([sys.executable, "-c", IMPORT_ONLY], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:4] == ["False False", "True", "True True", "True True"]


def test_the_command_line_says_which_version_is_wrong(monkeypatch):
    from click.testing import CliRunner

    import indexer.engine.patches as patches
    from indexer.cli import main
    monkeypatch.setattr(patches, "_installed", False)
    monkeypatch.setattr(patches, "JIEBA_VERSION", "9.9")
    result = CliRunner().invoke(main, ["stats", "--index", "nowhere"])
    assert result.exit_code == 2
    assert "jieba 0.42.1 (written for 9.9)" in result.output
