"""The list reader: a 序号/改革举措/主要内容/责任部门 file becomes a Document of numbered measures.

It tolerates the untidiness of real exports (BOM, CRLF, blank lines, stray spaces, entities,
repeated headers), refuses rows it cannot place with a file:line reason, and never drops text.
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import CORPUS, SEED
from indexer.model import CorpusError
from indexer.readers import read_document
from indexer.readers.text import read_text

HEADER = "序号\t改革举措\t主要内容\t责任部门"


def read_list(tmp_path, text: str | bytes, name: str = "list.txt"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return read_document(path, path.stem)


def list_text(*rows: str, title: str = "测试清单") -> str:
    return "\n".join([title, "", HEADER, *rows]) + "\n"


@pytest.fixture(scope="module")
def seed():
    return read_document(CORPUS / SEED, "seed")


# -- the seed --------------------------------------------------------------------------------

def test_seed_reads_as_thirteen_numbered_measures(seed):
    """The seed is the reference document: 13 measures, numbered 1..13 in file order."""
    assert seed.title == "山西省支持创新相关改革措施推广清单"
    assert seed.format == "list"
    assert [m.no for m in seed.measures] == list(range(1, 14))
    assert all(m.title and m.paragraphs for m in seed.measures)


def test_seed_titles_and_departments(seed):
    """改革举措 is the title; 责任部门 is split on 、 into exact department names."""
    m3 = seed.measures[2]
    assert m3.title == "贷款、保险、财政风险补偿捆绑的专利权质押融资服务"
    assert m3.departments == ["人行太原中心支行", "省知识产权局", "山西银监局", "山西保监局"]
    assert seed.measures[7].departments == ["省国税局", "省地税局"]
    assert seed.measures[12].departments == ["省国防科工办"]
    assert not any("、" in d for m in seed.measures for d in m.departments)


def test_seed_measures_remember_their_source_line(seed):
    """Errors and links point to the line a measure starts on (blank lines and repeated headers count)."""
    lines = read_text(CORPUS / SEED).split("\n")
    for m in seed.measures:
        assert lines[m.line - 1].split("\t")[0].strip() == str(m.no)


def test_seed_paragraphs_follow_p_tags(seed):
    """Each <p>…</p> is a paragraph; a cell without tags is one paragraph."""
    assert len(seed.measures[0].paragraphs) == 1
    assert len(seed.measures[1].paragraphs) == 5
    assert seed.measures[1].paragraphs[1].startswith("优化网点布局。")
    assert not any("<" in p or ">" in p for m in seed.measures for p in m.paragraphs)


def test_seed_no_content_text_is_dropped(seed):
    """Every non-space character of every 主要内容 cell is in the measure's paragraphs, in order."""
    rows = {}
    for line in read_text(CORPUS / SEED).split("\n"):
        cells = line.split("\t")
        if len(cells) == 4 and cells[0].strip().isdigit():
            rows[int(cells[0])] = cells[2]
    assert set(rows) == {m.no for m in seed.measures}
    for m in seed.measures:
        raw = re.sub(r"\s", "", rows[m.no].replace("<p>", "").replace("</p>", ""))
        assert re.sub(r"\s", "", "".join(m.paragraphs)) == raw


def test_front_matter_becomes_metadata(tmp_path):
    """Lines before the header: title, document number and date become metadata; other lines are
    text of their own (measure 0, 说明), so they are searchable and never lost."""
    doc = read_list(tmp_path, "测试清单\n晋政办发〔2018〕12号\n2018年3月5日\n关于推广的说明\n\n" + HEADER
                    + "\n1\t甲\t内容。\t部门\n")
    assert doc.title == "测试清单"
    assert doc.meta == {"doc_number": "晋政办发〔2018〕12号", "date": "2018-03-05"}
    assert (doc.measures[0].no, doc.measures[0].title, doc.measures[0].paragraphs) == (0, "说明", ["关于推广的说明"])


def test_missing_title_falls_back_to_the_file_name(tmp_path):
    doc = read_list(tmp_path, HEADER + "\n1\t甲\t内容。\t部门\n", name="无标题清单.txt")
    assert doc.title == "无标题清单"


# -- tolerated untidiness ----------------------------------------------------------------------

def test_bom_and_crlf(tmp_path):
    """Windows exports: a UTF-8 BOM and CRLF line ends change nothing."""
    text = list_text("1\t标题甲\t内容甲。\t部门甲", "2\t标题乙\t内容乙。\t部门乙")
    doc = read_list(tmp_path, ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8"))
    assert doc.title == "测试清单"
    assert [(m.no, m.title, m.paragraphs, m.departments) for m in doc.measures] == [
        (1, "标题甲", ["内容甲。"], ["部门甲"]), (2, "标题乙", ["内容乙。"], ["部门乙"])]
    assert not any("\r" in p for m in doc.measures for p in m.paragraphs)


def test_gb18030_file(tmp_path):
    """Older government exports are GB18030; they read the same as UTF-8."""
    doc = read_list(tmp_path, list_text("1\t标题\t专利权质押融资。\t省知识产权局").encode("gb18030"))
    assert doc.measures[0].paragraphs == ["专利权质押融资。"]


def test_blank_lines_and_repeated_headers(tmp_path):
    """Blocks separated by blank lines and a repeated header row read as one list; lines still count."""
    text = list_text("1\t甲\t内容一。\t部门", "", "", HEADER, "2\t乙\t内容二。\t部门", "", HEADER, "3\t丙\t内容三。\t部门")
    doc = read_list(tmp_path, text)
    assert [m.no for m in doc.measures] == [1, 2, 3]
    assert [m.line for m in doc.measures] == [4, 8, 11]


def test_stray_spaces_are_trimmed(tmp_path):
    """Spaces around cells and around 、 are not part of numbers, titles or department names."""
    doc = read_list(tmp_path, list_text(" 7 \t  标题  \t  内容。  \t 部门甲 、 部门乙 、"))
    m = doc.measures[0]
    assert (m.no, m.title, m.paragraphs, m.departments) == (7, "标题", ["内容。"], ["部门甲", "部门乙"])


def test_header_with_stray_spaces_is_still_a_header(tmp_path):
    doc = read_list(tmp_path, "清单\n 序号 \t 改革举措\t主要内容 \t责任部门 \n1\t甲\t内容。\t部门\n")
    assert [m.no for m in doc.measures] == [1]


def test_html_entities_are_decoded(tmp_path):
    """&amp; &lt; &gt; &nbsp; in any cell become the characters they stand for."""
    doc = read_list(tmp_path, list_text("1\t产学研&amp;金融\t<p>收入&lt;500万元&amp;员工&gt;20人。</p>\t部门甲&amp;乙"))
    m = doc.measures[0]
    assert m.title == "产学研&金融"
    assert m.paragraphs == ["收入<500万元&员工>20人。"]
    assert m.departments == ["部门甲&乙"]


def test_text_between_p_tags_is_kept(tmp_path):
    """Text outside <p> elements is content too: nothing between tags is lost."""
    doc = read_list(tmp_path, list_text("1\t甲\t<p>第一段。</p>夹在中间的文字。<p>第二段。</p>\t部门"))
    assert "夹在中间的文字。" in "".join(doc.measures[0].paragraphs)
    assert "".join(doc.measures[0].paragraphs) == "第一段。夹在中间的文字。第二段。"


def test_literal_angle_brackets_are_not_tags(tmp_path):
    """A comparison written with bare < and > (not entities) is text, not markup."""
    doc = read_list(tmp_path, list_text("1\t甲\t营业收入<500万元且员工>20人的企业。\t部门"))
    assert doc.measures[0].paragraphs == ["营业收入<500万元且员工>20人的企业。"]


def test_every_line_before_the_header_is_kept(tmp_path):
    """Lines between the title and the header are metadata: none may vanish without an error."""
    path = tmp_path / "list.txt"
    path.write_text("测试清单\n副标题\n（征求意见稿说明）\n" + HEADER + "\n1\t甲\t内容。\t部门\n", encoding="utf-8")
    try:
        doc = read_document(path, "list")
    except CorpusError:
        return  # refusing is fine too: the text was not dropped silently
    assert "（征求意见稿说明）" in repr((doc.title, doc.meta, doc.measures))


# -- malformed rows --------------------------------------------------------------------------

@pytest.mark.parametrize("row, reason", [
    ("2\t只有三列\t内容。", "4 tab-separated columns"),
    ("2\t甲\t内容。\t部门\t多余", "4 tab-separated columns"),
    ("二\t甲\t内容。\t部门", "序号 should be a number"),
    ("1\t甲\t内容。\t部门", "duplicate 序号 1"),
    ("2\t甲\t\t部门", "empty 主要内容"),
    ("2\t甲\t<p> </p>\t部门", "empty 主要内容"),
])
def test_malformed_row_names_file_and_line(tmp_path, row, reason):
    """A row the reader cannot place stops it with file:line and a reason, instead of a silent skip."""
    path = tmp_path / "bad.txt"
    path.write_text(list_text("1\t甲\t内容。\t部门", row), encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        read_document(path, "bad")
    assert err.value.line == 5
    assert f"{path}:5" in str(err.value)
    assert reason in str(err.value)


def test_duplicate_number_names_the_first_line_too(tmp_path):
    path = tmp_path / "dup.txt"
    path.write_text(list_text("4\t甲\t内容。\t部门", "", "4\t乙\t内容。\t部门"), encoding="utf-8")
    with pytest.raises(CorpusError, match=r"dup\.txt:6: duplicate 序号 4 \(first on line 4\)"):
        read_document(path, "dup")


def test_malformed_row_after_crlf_and_bom_keeps_true_line_number(tmp_path):
    """Line numbers are those an editor shows, whatever the line ends."""
    text = "\ufeff" + list_text("1\t甲\t内容。\t部门", "", "x\t乙\t内容。\t部门").replace("\n", "\r\n")
    path = tmp_path / "crlf.txt"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(CorpusError) as err:
        read_document(path, "crlf")
    assert err.value.line == 6 and f"{path}:6" in str(err.value)


def test_misspelled_header_is_refused(tmp_path):
    path = tmp_path / "hdr.txt"
    path.write_text("清单\n序号\t举措\t主要内容\t责任部门\n1\t甲\t内容。\t部门\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"hdr\.txt:2: header row"):
        read_document(path, "hdr")


def test_header_without_rows_is_refused(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text(list_text(), encoding="utf-8")
    with pytest.raises(CorpusError, match="no measures"):
        read_document(path, "empty")


def test_file_that_is_not_a_list_is_refused_with_its_name(tmp_path):
    path = tmp_path / "prose.txt"
    path.write_text("这是一段没有表头的文字。\n第二行。\n", encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        read_document(path, "prose")
    assert str(path) in str(err.value)
