"""read_document picks a reader by extension and content, and names the file when none fits."""
from pathlib import Path

import pytest
from docx import Document as NewDocx

from indexer.model import CorpusError
from indexer.readers import NOT_DOCUMENTS, read_document

ROOT = Path(__file__).resolve().parents[2]

LIST = "清单\n\n序号\t改革举措\t主要内容\t责任部门\n1\t质押融资\t<p>推广质押融资。</p>\t省金融办\n"
REGULATION = "融资办法\n第一章　总则\n第一条　支持中小企业融资。\n"
LAWS_MD = "# 融资法\n\n2019年3月5日 通过\n\n<!-- INFO END -->\n\n第一条 支持融资。\n"
PAGE = "<html><head><title>融资办法</title></head><body><p>第一条　支持融资。</p></body></html>"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name, text, fmt", [
    ("list.txt", LIST, "list"),
    ("list.tsv", LIST, "list"),
    ("regulation.txt", REGULATION, "regulation-txt"),
    ("law.md", LAWS_MD, "laws-md"),
    ("page.html", PAGE, "html"),
    ("page.HTM", PAGE, "html"),
])
def test_reader_chosen_by_extension_and_content(tmp_path, name, text, fmt):
    doc = read_document(write(tmp_path, name, text), "d")
    assert doc.format == fmt and doc.doc_id == "d"
    assert doc.measures[0].no == 1


def test_docx_dispatch(tmp_path):
    doc = NewDocx()
    doc.add_paragraph("融资办法")
    doc.add_paragraph("第一条　支持融资。")
    doc.save(tmp_path / "reg.docx")
    assert read_document(tmp_path / "reg.docx", "r").format == "docx"


@pytest.mark.parametrize("name, text, reason", [
    ("notes.txt", "随手记：融资。\n没有条文。\n", "unknown format"),
    ("notes.md", "# 标题\n\n正文。\n", "unknown format: Markdown without"),
    ("page.html", "第一条　这不是网页。", "not an HTML page"),
    ("old.doc", "binary", "not read: no reader for .doc (read: .docx .htm .html .md .tsv .txt"),
    ("noext", "第一条　甲。", "not read: no reader for files without an extension"),
    ("broken.docx", "not a zip", "not a readable .docx"),
    ("empty.txt", "", "empty file"),           # not "unknown format": nothing to recognise
    ("blank.md", "\ufeff \n\n", "empty file"),
    ("blank.html", "\n", "empty file"),
])
def test_unknown_or_mismatched_files_raise_corpus_error_naming_the_file(tmp_path, name, text, reason):
    path = write(tmp_path, name, text)
    with pytest.raises(CorpusError) as err:
        read_document(path, "x")
    assert err.value.path == str(path) and str(err.value).startswith(str(path))
    assert reason in str(err.value)


def test_reader_errors_keep_their_line(tmp_path):
    """A list row error passes through dispatch with its line number."""
    path = write(tmp_path, "list.txt", LIST + "x\t乙\t<p>内容</p>\t部门\n")
    with pytest.raises(CorpusError, match=r"list\.txt:5: 序号 should be a number"):
        read_document(path, "x")


def test_corpus_folder_reads_through_dispatch():
    """Every document in corpus/ reads, including the regulation added beside the seed list."""
    files = [p for p in sorted((ROOT / "corpus").iterdir())
             if p.is_file() and p.name not in NOT_DOCUMENTS and not p.name.startswith(".")]
    docs = {p.stem: read_document(p, p.stem) for p in files}
    assert docs["sci-tech-achievements-transformation-law"].format == "regulation-txt"
    assert docs["shanxi-innovation-reform-measures"].format == "list"


def test_laws_source_note_is_not_a_document():
    assert "SOURCE.md" in NOT_DOCUMENTS
