"""docx_file: Word documents — a 序号 table reads like the seed list, anything else like a regulation."""
import pytest
from docx import Document as NewDocx

from indexer.model import CorpusError
from indexer.readers import docx_file

HEADER = ("序号", "改革举措", "主要内容", "责任部门")


def list_docx(path, rows, after=("山西省人民政府办公厅",)):
    doc = NewDocx()
    doc.add_paragraph("山西省支持创新相关改革措施推广清单")
    doc.add_paragraph("晋政办发〔2018〕12号")
    table = doc.add_table(rows=1 + len(rows), cols=4)
    for row, values in zip(table.rows, [HEADER, *rows]):
        for cell, value in zip(row.cells, values):
            cell.text = value
    for text in after:
        doc.add_paragraph(text)
    doc.save(path)
    return path


def test_list_table_reads_like_the_seed(tmp_path):
    """Rows become measures with 序号, 改革举措, 主要内容 paragraphs and 责任部门; block numbers are lines."""
    path = list_docx(tmp_path / "list.docx", [
        ("1", "知识产权质押融资", "推广知识产权质押融资。\n建立风险补偿机制。", "省金融办、省知识产权局"),
        ("2", "科技成果转化", "支持高校转化<成果>。", "省科技厅"),
    ])
    doc = docx_file.read(path, "list")
    assert doc.title == "山西省支持创新相关改革措施推广清单"
    assert doc.format == "docx" and doc.meta["layout"] == "list"
    assert doc.meta["doc_number"] == "晋政办发〔2018〕12号"
    assert [(m.no, m.title, m.paragraphs, m.departments, m.line) for m in doc.measures] == [
        (1, "知识产权质押融资", ["推广知识产权质押融资。", "建立风险补偿机制。"], ["省金融办", "省知识产权局"], 4),
        (2, "科技成果转化", ["支持高校转化<成果>。"], ["省科技厅"], 5),
    ]
    assert doc.meta["notes"] == ["山西省人民政府办公厅"]  # text after the table is kept


def test_list_errors_name_the_block(tmp_path):
    """A bad 序号 cell is reported like the list reader does, at its block number."""
    path = list_docx(tmp_path / "bad.docx", [("1", "甲", "内容。", "部门"), ("二", "乙", "内容。", "部门")])
    with pytest.raises(CorpusError, match=r"bad\.docx:5: 序号 should be a number"):
        docx_file.read(path, "bad")


def test_regulation_docx(tmp_path):
    """Paragraphs in order; title, date line, chapters, articles; a soft line break ends a 款."""
    doc = NewDocx()
    for text in ("中小企业融资办法", "2019年3月5日", "为了支持融资，制定本办法。", "第一章　总则", "第一条　支持中小企业融资。"):
        doc.add_paragraph(text)
    para = doc.add_paragraph("第一条之一　推广知识产权质押。")
    para.add_run().add_break()
    para.add_run("金融机构应当支持。")
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "质押", "登记"
    doc.save(tmp_path / "reg.docx")
    read = docx_file.read(tmp_path / "reg.docx", "reg")
    assert read.title == "中小企业融资办法" and read.format == "docx"
    assert read.meta["date"] == "2019-03-05"
    assert [(m.no, m.title, m.chapter, m.paragraphs, m.line) for m in read.measures] == [
        (0, "序言", None, ["为了支持融资，制定本办法。"], 3),
        (1, "第一条", "第一章 总则", ["支持中小企业融资。"], 5),
        (10001, "第一条之一", "第一章 总则", ["推广知识产权质押。", "金融机构应当支持。", "质押 登记"], 6),
    ]


def test_merged_cells_count_once(tmp_path):
    doc = NewDocx()
    doc.add_paragraph("办法")
    table = doc.add_table(rows=1, cols=3)
    merged = table.rows[0].cells[0].merge(table.rows[0].cells[1])
    merged.text = "第一条　合并单元格。"
    table.rows[0].cells[2].text = "右"
    doc.save(tmp_path / "merged.docx")
    assert docx_file.read(tmp_path / "merged.docx", "m").measures[0].paragraphs == ["合并单元格。 右"]


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.write_text("第一条 不是 Word 文件", encoding="utf-8"), "not a readable .docx"),
    (lambda p: NewDocx().save(p), "no text in the document"),
])
def test_unreadable_docx_raise_corpus_error_naming_the_file(tmp_path, make, reason):
    path = tmp_path / "bad.docx"
    make(path)
    with pytest.raises(CorpusError) as err:
        docx_file.read(path, "bad")
    assert str(err.value).startswith(str(path)) and reason in str(err.value)


def _truncated_document_xml(path):
    """A sound zip whose word/document.xml stops half-way (lxml: XMLSyntaxError)."""
    import zipfile
    list_docx(path.with_name("good.docx"), [("1", "措施", "内容。", "省科技厅")])
    with zipfile.ZipFile(path.with_name("good.docx")) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            out.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)


def test_truncated_document_xml_is_a_corpus_error_naming_the_file(tmp_path):
    path = tmp_path / "truncated.docx"
    _truncated_document_xml(path)
    with pytest.raises(CorpusError) as err:
        docx_file.read(path, "truncated")
    assert str(err.value).startswith(str(path)) and "not a readable .docx" in str(err.value)


def test_truncated_docx_is_reported_by_check_and_skipped_by_build(tmp_path):
    from click.testing import CliRunner

    from indexer.cli import main
    from tests.conftest import copy_corpus
    corpus = copy_corpus(tmp_path / "corpus")
    _truncated_document_xml(corpus / "坏文件.docx")
    (corpus / "good.docx").unlink()
    check = CliRunner().invoke(main, ["check", "--corpus", str(corpus)])
    assert check.exit_code == 1 and isinstance(check.exception, SystemExit), check.output
    assert "坏文件.docx" in check.output
    index = tmp_path / "index"
    done = CliRunner().invoke(main, ["build", "--corpus", str(corpus), "--index", str(index), "--skip-bad",
                                     "--no-progress"])
    assert done.exit_code == 0, done.output
    assert "skipped" in done.output and "坏文件.docx" in done.output
    # the update that follows does not stop on it: an unchanged skipped file is not a change
    done = CliRunner().invoke(main, ["update", "--corpus", str(corpus), "--index", str(index), "--skip-bad",
                                     "--no-progress"])
    assert done.exit_code == 0 and "0 added" in done.output, done.output
