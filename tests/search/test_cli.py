"""The command lines: exit codes, one-line reasons on stderr, the JSON contract.

    policy-index  build / check / stats / rollback      exit 0 ok, 1 refused, 3 no index
    policy-search query                                  exit 0 ok, 2 bad query, 3 no index

The build and `python -m … --help` run the installed console scripts in a process of their own (what
an operator types); the rest call the same click commands in process through click's CliRunner.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main as policy_index
from search_app.cli import main as policy_search
from search_app.searcher import Searcher
from tests.conftest import ROOT, copy_corpus

BIN = Path(sys.executable).parent
POLICY_INDEX, POLICY_SEARCH = str(BIN / "policy-index"), str(BIN / "policy-search")
RESULT_KEYS = {"query", "total", "page", "per_page", "relaxed", "expanded", "hits", "facets",
               "sort", "group", "did_you_mean"}
HIT_KEYS = {"clause_id", "doc_id", "doc_title", "measure_no", "measure_title", "departments", "text",
            "highlight", "score", "article", "chapter", "category", "version_date", "exact", "clauses",
            "date", "validity"}


def run(*args, cwd=None):
    """A console script in its own process."""
    env = dict(os.environ, PYTHONUTF8="1", POLICY_SEARCH_INDEX="")
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd or ROOT,
                          env=env, timeout=120)


def invoke(command, *args):
    """A click command in process: exit_code, stdout, stderr as the console script would give them."""
    return CliRunner(env={"POLICY_SEARCH_INDEX": ""}).invoke(command, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """`policy-index build` of a seed corpus copy: (completed process, corpus folder, index folder)."""
    base = tmp_path_factory.mktemp("cli")
    corpus, index = copy_corpus(base / "corpus"), base / "index"
    return run(POLICY_INDEX, "build", "--corpus", corpus, "--index", index), corpus, index


def test_build_exits_0_with_a_summary_line(built):
    done, _, index = built
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"built gen-\S+: 1 documents, 13 measures, \d+ clauses in [\d.]+ s \([\d.]+ clauses/s\)\n",
                        done.stdout)
    assert (index / "CURRENT").is_file()


def test_query_json_prints_exactly_the_contract_object(built):
    done, _, index = built
    out = invoke(policy_search, "query", "--json", "--index", index, "专利质押")
    assert out.exit_code == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result) == RESULT_KEYS and "departments" in result["facets"]
    assert result["facets"]["departments"]["人行太原中心支行"] > 0
    assert (result["query"], result["page"], result["per_page"]) == ("专利质押", 1, 10)
    assert result["hits"] and all(set(h) == HIT_KEYS for h in result["hits"])
    assert result["hits"][0]["measure_no"] == 3
    assert result == json.loads(json.dumps(Searcher(index).search("专利质押"), ensure_ascii=False))
    assert "专利" in out.stdout  # Chinese printed as is, not \u escapes


def test_query_takes_the_pages_filters_and_arrangements(built):
    """--category/--province/--from/--to/--version/--sort/--group mean what the page's do."""
    _, _, index = built
    searcher = Searcher(index)
    for args, kw in [(["--sort", "date"], {"sort": "date"}), (["--group", "document"], {"group": "document"}),
                     (["--from", "2019", "--to", "2030"], {"filters": {"from": "2019", "to": "2030"}}),
                     (["--version", "all"], {"filters": {"version": "all"}})]:
        out = invoke(policy_search, "query", "--json", "--index", index, *args, "融资")
        assert out.exit_code == 0, out.stderr
        assert json.loads(out.stdout) == json.loads(json.dumps(searcher.search("融资", **kw), ensure_ascii=False))
    out = invoke(policy_search, "query", "--json", "--index", index, "--from", "2031", "融资")
    assert json.loads(out.stdout)["total"] == 0   # the seed list is older
    grouped = json.loads(invoke(policy_search, "query", "--json", "--index", index, "--group", "document",
                                "融资").stdout)
    assert grouped["group"] == "document" and grouped["groups"]


@pytest.mark.parametrize("args", [["--sort", "newest"], ["--from", "2020-13"], ["--version", "old"]])
def test_query_refuses_a_bad_option_with_exit_2(built, args):
    _, _, index = built
    out = invoke(policy_search, "query", "--index", index, *args, "融资")
    assert out.exit_code == 2 and out.stderr.strip()


@pytest.mark.parametrize("query, reason", [
    ('"协议工资制', "unbalanced quote"),
    ("", "empty query"),
    ("专" * 201, "query too long"),
])
def test_bad_query_exits_2_with_one_line_reason(built, query, reason):
    _, _, index = built
    out = invoke(policy_search, "query", "--index", index, query)
    assert out.exit_code == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("bad query: ") and reason in out.stderr


def test_missing_index_exits_3(tmp_path):
    out = invoke(policy_search, "query", "--index", tmp_path / "nowhere", "专利")
    assert out.exit_code == 3
    assert out.stderr.count("\n") == 1 and "policy-index build" in out.stderr


def test_check_names_file_and_line_of_a_malformed_file(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "bad.txt").write_text("坏清单\n\n序号\t改革举措\t主要内容\t责任部门\n1\t甲\t内容。\t部门\nx\t乙\t内容。\t部门\n",
                                    encoding="utf-8")
    out = invoke(policy_index, "check", "--corpus", corpus)
    assert out.exit_code == 1
    assert f"{corpus / 'bad.txt'}:5: 序号 should be a number" in out.stderr
    assert out.stdout.strip() == "2 files, 1 documents, 13 measures, 1 problems"


def test_check_passes_the_seed(tmp_path):
    out = invoke(policy_index, "check", "--corpus", copy_corpus(tmp_path / "corpus"))
    assert out.exit_code == 0, out.stderr
    assert out.stdout.strip() == "1 files, 1 documents, 13 measures, 0 problems"


@pytest.mark.parametrize("module, commands", [
    ("indexer", ["build", "update", "check", "stats", "rollback"]),
    ("search_app", ["query", "serve"]),
])
def test_python_m_help(module, commands):
    out = run(sys.executable, "-m", module, "--help")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"Usage: {'policy-index' if module == 'indexer' else 'policy-search'} ")
    assert all(re.search(rf"^\s+{c}\s", out.stdout, re.M) for c in commands)


def test_stats_describes_the_index(built):
    _, corpus, index = built
    out = invoke(policy_index, "stats", "--corpus", corpus, "--index", index)
    assert out.exit_code == 0, out.stderr
    fields = dict(re.findall(r"^(\w+):\s+(.*)$", out.stdout, re.M))
    assert (fields["documents"], fields["measures"], fields["pending"]) == ("1", "13", "none")
    assert int(fields["clauses"]) == Searcher(index).health()["clauses"] and int(fields["terms"]) > 0


# -- issue 12: undecodable arguments, terminal control characters from the corpus ------------------

@pytest.mark.parametrize("args", [["--dept", b"\xff", "专利"], ["--doc", b"\xfe\xff", "专利"], [b"\xff\xfe"]])
def test_undecodable_argument_exits_2_with_a_reason(built, args):
    _, _, index = built
    out = subprocess.run([POLICY_SEARCH, "query", "--index", str(index), *args], capture_output=True,
                         cwd=ROOT, env=dict(os.environ, PYTHONUTF8="1", POLICY_SEARCH_INDEX=""), timeout=120)
    stderr = out.stderr.decode("utf-8", "replace")
    assert out.returncode == 2, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("bad query: ") and "UTF-8" in stderr


CONTROL_DOC = ("控制字符测试清单\n\n序号\t改革举措\t主要内容\t责任部门\n"
               "1\t终端\x1b[31m红色\t量子隧穿测试\x07响铃，\u202e反转文字\u202c结束。\t省\x1b]0;标题\x07科技厅\n")


def test_control_characters_from_the_corpus_are_escaped_on_output(tmp_path):
    corpus, index = copy_corpus(tmp_path / "corpus"), tmp_path / "index"
    (corpus / "control.txt").write_text(CONTROL_DOC, encoding="utf-8")
    assert run(POLICY_INDEX, "build", "--corpus", corpus, "--index", index).returncode == 0
    for extra in ([], ["--json"]):
        out = run(POLICY_SEARCH, "query", "--index", index, *extra, "量子隧穿")
        assert out.returncode == 0, out.stderr
        assert "量子隧穿" in out.stdout
        for raw in ("\x1b", "\x07", "\u202e", "\u202c"):
            assert raw not in out.stdout, (extra, repr(out.stdout))
    assert "\\u202e" in out.stdout and json.loads(out.stdout)["hits"]     # escaped, still JSON


# -- the librarian's commands on an index with a skipped empty file ----------------------------

LIST_ROW = "测试清单\n\n序号\t改革举措\t主要内容\t责任部门\n1\t量子通信试点\t开展量子通信网络建设试点。\t省科技厅\n"


@pytest.fixture
def librarian(tmp_path):
    """A corpus with an empty (skipped) file, built as `make run` builds: (corpus, index, build output)."""
    corpus, index = copy_corpus(tmp_path / "corpus"), tmp_path / "index"
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    done = run(POLICY_INDEX, "build", "--if-stale", "--skip-bad", "--corpus", corpus, "--index", index)
    assert done.returncode == 0, done.stderr
    return corpus, index, done


def test_build_if_stale_says_why_it_builds_and_then_does_nothing(librarian):
    """The always-skipped empty file made --if-stale true forever (every `make run` rebuilt)."""
    corpus, index, first = librarian
    assert "building " in first.stderr and "no index yet" in first.stderr
    assert f"skipped {corpus / 'empty.txt'}: empty file" in first.stderr
    again = run(POLICY_INDEX, "build", "--if-stale", "--skip-bad", "--corpus", corpus, "--index", index)
    assert again.returncode == 0 and "is up to date" in again.stderr and "built" not in again.stdout
    alone = run(POLICY_INDEX, "build", "--if-stale", "--index", index)         # the record's folders
    assert alone.returncode == 0 and "is up to date" in alone.stderr
    (corpus / "extra.txt").write_text(LIST_ROW, encoding="utf-8")
    third = run(POLICY_INDEX, "build", "--if-stale", "--index", index)
    assert "building" in third.stderr and "1 added (extra)" in third.stderr and third.stdout.startswith("built ")


def test_progress_goes_to_a_log_as_lines(librarian):
    _, _, first = librarian
    lines = [line for line in first.stderr.splitlines() if line.startswith("indexing")]
    assert re.fullmatch(r"indexing: 0/1 documents, 0 clauses \(.*\)", lines[0])       # it has started
    assert re.fullmatch(r"indexing: 1/1 documents, \d+ clauses \(.*elapsed.*\)", lines[-1])   # the last state
    assert len(lines) <= 3 and "\r" not in first.stderr


def fields_of(out):
    return dict(re.findall(r"^(\w[\w ]*?):\s+(.*)$", out, re.M))


def test_stats_and_update_need_no_arguments(librarian):
    corpus, index, _ = librarian
    fields = fields_of(run(POLICY_INDEX, "stats", "--index", index).stdout)
    assert fields["pending"] == "none" and fields["skipped"] == "1" and fields["updated"] == "never"
    assert fields["corpus"] == f"--corpus {corpus} --skip-bad" and fields["generation"].startswith("gen-")
    (corpus / "extra.txt").write_text(LIST_ROW, encoding="utf-8")
    (corpus / "scan.pdf").write_bytes(b"%PDF-1.4")
    fields = fields_of(run(POLICY_INDEX, "stats", "--index", index).stdout)
    assert fields["pending"] == "1 added (extra), 0 changed, 0 removed"
    done = run(POLICY_INDEX, "update", "--index", index)
    assert done.returncode == 0, done.stderr
    assert re.match(r"updated gen-\S+: 1 added, 0 changed, 0 removed", done.stdout)
    out = run(POLICY_INDEX, "stats", "--index", index).stdout
    fields = fields_of(out)
    assert fields["pending"] == "none" and fields["updated"] != "never" and fields["documents"] == "2"
    assert fields["not read"].startswith("1 ") and str(corpus / "scan.pdf") in out


def test_stats_and_update_with_other_folders_say_which_and_stop(librarian, tmp_path):
    corpus, index, _ = librarian
    other = copy_corpus(tmp_path / "other")
    for command in ("stats", "update"):
        out = run(POLICY_INDEX, command, "--corpus", other, "--index", index)
        assert out.returncode == 1, command
        assert f"not given: {corpus}" in out.stderr and f"not in the index: {other}" in out.stderr


def test_update_of_an_empty_folder_exits_1_and_keeps_the_index(librarian, tmp_path):
    corpus, index, _ = librarian
    live = (index / "CURRENT").read_text()
    for name in ("shanxi-innovation-reform-measures.txt", "empty.txt"):
        (corpus / name).unlink()
    out = run(POLICY_INDEX, "update", "--index", index)
    assert out.returncode == 1 and "no documents" in out.stderr
    assert (index / "CURRENT").read_text() == live


def test_procs_defaults_to_the_cores_and_rejects_nonsense(tmp_path):
    assert "[default: auto]" in run(POLICY_INDEX, "build", "--help").stdout
    out = run(POLICY_INDEX, "build", "--procs", "0", "--corpus", copy_corpus(tmp_path / "c"), "--index", tmp_path / "i")
    assert out.returncode == 2 and "or 'auto'" in out.stderr


def test_check_lists_every_problem_of_every_file_grouped(tmp_path):
    """Three problems in one list, an empty file, a .pdf and a regulation with a repeated, a missing
    and an empty article: all named in one run, each with its file and line."""
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "bad.txt").write_text("坏清单\n\n序号\t改革举措\t主要内容\t责任部门\n1\t甲\t内容。\t部门\nx\t乙\t内容。\t部门\n"
                                    "1\t丙\t内容。\t部门\n3\t丁\t内容。\n", encoding="utf-8")
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    (corpus / "scan.pdf").write_bytes(b"%PDF-1.4")
    (corpus / "reg.txt").write_text("测试条例\n第一条　总则。\n第一条　又一条。\n第三条\n第四条　完。\n", encoding="utf-8")
    out = run(POLICY_INDEX, "check", "--corpus", corpus)
    assert out.returncode == 1
    err = out.stderr
    bad = corpus / "bad.txt"
    assert f"{bad}: 3 problems" in err
    assert (f"{bad}:5: 序号 should be a number" in err and f"{bad}:6: duplicate 序号 1 (first on line 4)" in err
            and f"{bad}:7: expected 4 tab-separated columns" in err)
    assert err.index(f"{bad}:5:") < err.index(f"{bad}:6:") < err.index(f"{bad}:7:")
    assert f"{corpus / 'empty.txt'}: empty file" in err
    assert f"{corpus / 'scan.pdf'}: not read: no reader for .pdf (read: .docx .htm .html .md .tsv .txt" in err
    reg = corpus / "reg.txt"
    assert f"{reg}:3: warning: 第一条 again (first on line 2)" in err
    assert f"{reg}:3: warning: article 2 missing after this one (next is 3)" in err
    assert f"{reg}:4: warning: 第三条 has no text" in err
    assert out.stdout.strip() == "4 files, 2 documents, 17 measures, 4 problems, 3 warnings, 1 not read"
