"""Faults: a missing or damaged index folder, and unreadable corpus files.

The server must start anyway and say, on /healthz (503, ok false, error + hint), on the home page
and on every searching route (503, JSON {"error": …} under /api, a page otherwise), what is wrong
and how to rebuild — never a 500. A corpus file that cannot be read is named in the error."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search_app import create_app
from tests.conftest import copy_corpus

from .conftest import get_json, http_get, policy_index


class Done:
    """The outcome of one in-process `policy-index` run (click's runner: no process start, jieba warm)."""

    def __init__(self, result):
        self.code, self.stdout, self.stderr = result.exit_code, result.stdout, result.stderr
        self.exception = None if isinstance(result.exception, SystemExit) else result.exception
        if self.exception is not None:
            import traceback
            self.stderr += "Traceback (in-process):\n" + "".join(traceback.format_exception(self.exception))

    @property
    def clean(self) -> bool:
        """Ended by the CLI itself (a message and an exit status), not by an escaping exception."""
        return self.exception is None

    @property
    def ok(self) -> bool:
        return self.code == 0 and self.clean


def cli(*args) -> Done:
    from click.testing import CliRunner

    from indexer.cli import main
    args = [str(a) for a in args]
    if args[0] in ("build", "update"):
        args.append("--no-progress")
    return Done(CliRunner().invoke(main, args))


def damage(name):
    """index folder → damaged in place; the functions below are the damage cases."""
    return DAMAGE[name]


def _empty(index: Path, gen: Path):
    shutil.rmtree(index)
    index.mkdir()


def _missing_folder(index: Path, gen: Path):
    shutil.rmtree(index)


def _current_names_missing(index: Path, gen: Path):
    (index / "CURRENT").write_text("gen-20000101T000000-000000\n", encoding="utf-8")


def _current_empty(index: Path, gen: Path):
    (index / "CURRENT").write_text("", encoding="utf-8")


def _current_garbage(index: Path, gen: Path):
    (index / "CURRENT").write_bytes(b"\xff\xfe../../etc\x00\n")


def _current_names_a_file(index: Path, gen: Path):
    (index / "CURRENT").write_text(f"{gen.name}/manifest.json\n", encoding="utf-8")


def _current_climbs_out(index: Path, gen: Path):
    (index / "CURRENT").write_text("../../../../../../etc\n", encoding="utf-8")


def _generation_removed(index: Path, gen: Path):
    shutil.rmtree(gen)


def _toc(gen: Path) -> Path:
    return next(gen.glob("_MAIN_*.toc"))


def _toc_truncated(index: Path, gen: Path):
    toc = _toc(gen)
    toc.write_bytes(toc.read_bytes()[:100])


def _toc_garbled(index: Path, gen: Path):
    toc = _toc(gen)
    data = bytearray(toc.read_bytes())
    for i in range(40, len(data), 7):
        data[i] ^= 0x5A
    toc.write_bytes(bytes(data))


def _toc_empty(index: Path, gen: Path):
    _toc(gen).write_bytes(b"")


def _toc_removed(index: Path, gen: Path):
    _toc(gen).unlink()


def _manifest_removed(index: Path, gen: Path):
    (gen / "manifest.json").unlink()


def _manifest_garbled(index: Path, gen: Path):
    (gen / "manifest.json").write_text('{"documents": ', encoding="utf-8")


def _synonyms_removed(index: Path, gen: Path):
    (gen / "synonyms.json").unlink()


def _segment_truncated(index: Path, gen: Path):
    seg = next(gen.glob("*.seg"))
    seg.write_bytes(seg.read_bytes()[:1000])


def _segment_garbled(index: Path, gen: Path):
    seg = next(gen.glob("*.seg"))
    data = bytearray(seg.read_bytes())
    for i in range(0, len(data), 97):
        data[i] ^= 0xFF
    seg.write_bytes(bytes(data))


DAMAGE = {f.__name__.lstrip("_"): f for f in (
    _empty, _missing_folder, _current_names_missing, _current_empty, _current_garbage, _current_names_a_file,
    _current_climbs_out, _generation_removed,
    _toc_truncated, _toc_garbled, _toc_empty, _toc_removed, _manifest_removed, _manifest_garbled,
    _synonyms_removed, _segment_truncated, _segment_garbled)}

ENGINE_XFAIL: dict[str, str] = {}   # damage cases the engine does not handle yet (none)


@pytest.fixture(scope="module")
def pristine(hostile_index):
    return hostile_index


@pytest.fixture
def damaged(request, pristine, tmp_path):
    """A copy of the test index, damaged by the case named in the test's parameter."""
    name = request.param
    index = tmp_path / "index"
    shutil.copytree(pristine, index)
    gen = index / (index / "CURRENT").read_text(encoding="utf-8").strip()
    DAMAGE[name](index, gen)
    return index


def check_reports_broken_index(client, index: Path):
    health = client.get("/healthz")
    assert health.status_code == 503, health.get_data(as_text=True)
    body = health.get_json()
    assert body["ok"] is False and body["error"] and "policy-index build" in body["hint"]
    assert str(index) in body["hint"]                          # the command to type, for this folder
    for path in ("/api/search?q=专利", "/api/suggest?q=专"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.get_data(as_text=True))
        assert "policy-index build" in response.get_json()["error"]
    home = client.get("/")
    assert home.status_code == 200                              # the page still renders, and says why
    text = home.get_data(as_text=True)
    assert "检索索引暂不可用" in text and "policy-index build" in text
    for path in ("/search?q=专利", f"/doc/{'hostile-doc'}"):
        page = client.get(path)
        assert page.status_code == 503, path
        assert "policy-index build" in page.get_data(as_text=True)


def xfail_engine(request, case):
    if case in ENGINE_XFAIL:
        request.applymarker(pytest.mark.xfail(strict=True, reason=ENGINE_XFAIL[case]))


@pytest.mark.parametrize("damaged", list(DAMAGE), indirect=True)
def test_broken_index_is_reported_with_a_hint_not_a_500(damaged, request):
    xfail_engine(request, request.node.callspec.params["damaged"])
    app = create_app({"INDEX_DIR": str(damaged), "TESTING": True})
    check_reports_broken_index(app.test_client(), damaged)


@pytest.mark.parametrize("damaged", ["current_names_missing", "toc_garbled", "manifest_garbled", "segment_garbled",
                                     "current_garbage"], indirect=True)
def test_the_hint_works_build_repairs_the_damage(damaged, hostile_corpus, request):
    if request.node.callspec.params["damaged"] == "current_garbage":
        xfail_engine(request, "current_garbage")
    done = cli("build", "--corpus", hostile_corpus, "--index", damaged)
    assert done.ok, done.stderr[-600:]
    client = create_app({"INDEX_DIR": str(damaged), "TESTING": True}).test_client()
    assert client.get("/healthz").get_json()["ok"] is True
    assert client.get("/api/search?q=量子").get_json()["hits"]




def test_update_on_a_damaged_live_index_says_to_rebuild(hostile_corpus, pristine, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(pristine, index)
    _toc_garbled(index, index / (index / "CURRENT").read_text(encoding="utf-8").strip())
    corpus = tmp_path / "corpus"
    shutil.copytree(hostile_corpus, corpus)
    (corpus / "新文件.txt").write_text((corpus / "hostile-doc.txt").read_text(encoding="utf-8"), encoding="utf-8")
    done = cli("update", "--corpus", corpus, "--index", index)
    assert done.code == 1 and done.clean and "policy-index build" in done.stderr, done.stderr[-600:]


def test_messages_say_what_is_wrong(pristine, tmp_path):
    cases = {"missing_folder": "no index", "current_names_missing": "gen-20000101T000000-000000",
             "toc_truncated": "toc is 100 bytes", "manifest_removed": "manifest.json"}   # checksums name the file
    for name, fragment in cases.items():
        index = tmp_path / name
        shutil.copytree(pristine, index)
        DAMAGE[name](index, index / (index / "CURRENT").read_text(encoding="utf-8").strip())
        body = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client().get("/healthz").get_json()
        assert fragment in body["error"], (name, body)


def test_server_starts_on_a_missing_index_and_picks_up_a_build(serve, tmp_path):
    """Real server, no index yet: 503 with a hint; after `policy-index build`, 200 without a restart."""
    index = tmp_path / "index"
    server = serve(index)
    status, _, health = get_json(server.url + "/healthz")
    assert status == 503 and health["ok"] is False and f"--index {index}" in health["hint"]
    status, _, body = get_json(server.url + "/api/search?q=%E4%B8%93%E5%88%A9")
    assert status == 503 and "policy-index build" in body["error"]
    status, _, page = http_get(server.url + "/")
    assert status == 200 and "policy-index build" in page.decode("utf-8")

    corpus = copy_corpus(tmp_path / "corpus")   # fewer documents than the damaged index: allowed
    done = policy_index("build", "--corpus", corpus, "--index", index, "--no-progress", "--allow-shrink")
    assert done.returncode == 0, done.stderr
    status, _, health = get_json(server.url + "/healthz")
    assert status == 200 and health["ok"] is True and health["clauses"] > 0
    status, _, body = get_json(server.url + "/api/search?q=%E4%B8%93%E5%88%A9")
    assert status == 200 and body["hits"]
    assert "Traceback" not in server.log_text()


def test_server_on_a_damaged_toc_recovers_after_a_rebuild(serve, pristine, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(pristine, index)
    _toc_garbled(index, index / (index / "CURRENT").read_text(encoding="utf-8").strip())
    server = serve(index)
    status, _, health = get_json(server.url + "/healthz")
    assert status == 503 and "policy-index build" in health["hint"]
    corpus = copy_corpus(tmp_path / "corpus")   # fewer documents than the damaged index: allowed
    done = policy_index("build", "--corpus", corpus, "--index", index, "--no-progress", "--allow-shrink")
    assert done.returncode == 0, done.stderr
    status, _, health = get_json(server.url + "/healthz")
    assert status == 200 and health["ok"]


# -- unreadable corpus files ---------------------------------------------------------------------

def unreadable(path: Path) -> Path:
    """A corpus file whose read fails with an OSError even for root: a link to /proc/self/mem
    (a regular file whose offset 0 is never mapped: EIO)."""
    path.unlink(missing_ok=True)
    path.symlink_to("/proc/self/mem")
    with pytest.raises(OSError):
        path.read_bytes()
    return path


def garbage(path: Path) -> Path:
    path.write_bytes(bytes(range(0x80, 0x100)) * 20)
    return path


@pytest.fixture
def corpus_and_index(tmp_path):
    from indexer.build import build_index

    corpus = copy_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build_index([corpus], index)
    return corpus, index


@pytest.mark.parametrize("command, make_bad", [("check", unreadable), ("build", unreadable), ("update", unreadable),
                                               ("build", garbage), ("update", garbage)])
def test_bad_new_corpus_file_is_named_and_the_live_index_kept(corpus_and_index, command, make_bad):
    corpus, index = corpus_and_index
    live = (index / "CURRENT").read_text(encoding="utf-8")
    bad = make_bad(corpus / "新增文件.txt")
    done = cli(command, "--corpus", corpus, *([] if command == "check" else ["--index", index]))
    assert done.code == 1 and done.clean, done.stderr[-600:]
    assert str(bad) in done.stderr, done.stderr
    assert (index / "CURRENT").read_text(encoding="utf-8") == live




@pytest.mark.parametrize("command", ["build", "update"])
def test_skip_bad_indexes_the_rest_and_names_what_it_left_out(corpus_and_index, command):
    corpus, index = corpus_and_index
    bad = garbage(corpus / "新增文件.txt")
    done = cli(command, "--corpus", corpus, "--index", index, "--skip-bad")
    assert done.ok, done.stderr
    assert str(bad) in done.stderr, done.stderr




@pytest.mark.parametrize("command", [["update"], ["build", "--if-stale"]], ids=["update", "build-if-stale"])
def test_indexed_file_that_became_unreadable_is_named(corpus_and_index, command):
    corpus, index = corpus_and_index
    bad = unreadable(corpus / "shanxi-innovation-reform-measures.txt")
    done = cli(*command, "--corpus", corpus, "--index", index)
    assert done.code == 1 and done.clean, done.stderr[-600:]
    assert str(bad) in done.stderr


def test_missing_corpus_folder_is_named(tmp_path):
    missing = tmp_path / "no-such-corpus"
    done = cli("build", "--corpus", missing, "--index", tmp_path / "index")
    assert done.code == 1 and done.clean
    assert str(missing) in done.stderr
