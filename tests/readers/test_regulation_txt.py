"""regulation_txt: plain-text regulations (title line, front matter, 第X章/第X条 body)."""
import re
from pathlib import Path

import pytest

from indexer.model import CorpusError
from indexer.readers import regulation_txt
from indexer.readers.structure import SUB_FACTOR

CORPUS_DOC = Path(__file__).resolve().parents[2] / "corpus" / "sci-tech-achievements-transformation-law.txt"

REGULATION = """\
山西省中小企业融资促进办法
晋政发〔2019〕7号
山西省人民政府
2019年3月5日

为了缓解中小企业融资难，制定本办法。

第一章　总　则

第一条　本办法适用于本省中小企业融资促进工作。

第二条　县级以上人民政府应当推广知识产权质押融资。
金融机构应当开发知识产权质押产品。

第二条之一　鼓励设立中小企业融资担保基金。

第二章　附　则

第三条　本办法自公布之日起施行。
"""


def read(tmp_path, text, name="reg.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return regulation_txt.read(path, path.stem)


def test_title_and_front_matter_meta(tmp_path):
    """The first line is the title; doc number, issuer and date lines above the body go to meta."""
    doc = read(tmp_path, REGULATION)
    assert doc.title == "山西省中小企业融资促进办法"
    assert doc.format == "regulation-txt"
    assert doc.meta["doc_number"] == "晋政发〔2019〕7号"
    assert doc.meta["issuer"] == "山西省人民政府"
    assert doc.meta["date"] == "2019-03-05"


def test_articles_chapters_and_zhi_yi(tmp_path):
    """Plain 第X章 lines set chapters; 第X条之一 is a measure of its own with a unique number."""
    doc = read(tmp_path, REGULATION)
    assert [(m.no, m.title, m.chapter) for m in doc.measures] == [
        (0, "序言", None),
        (1, "第一条", "第一章 总则"),
        (2, "第二条", "第一章 总则"),
        (2 * SUB_FACTOR + 1, "第二条之一", "第一章 总则"),
        (3, "第三条", "第二章 附则"),
    ]
    assert doc.measures[2].paragraphs == ["县级以上人民政府应当推广知识产权质押融资。", "金融机构应当开发知识产权质押产品。"]
    assert doc.measures[2].line == 12


def test_preamble_and_every_body_character_kept(tmp_path):
    """Text between the front matter and the first article is the preamble; no body text is lost."""
    doc = read(tmp_path, REGULATION)
    assert doc.measures[0].paragraphs == ["为了缓解中小企业融资难，制定本办法。"]
    body_lines = REGULATION.split("\n")[5:]
    body = "".join(re.sub(r"\s", "", l) for l in body_lines if not re.match(r"第.章", l))
    out = "".join(re.sub(r"\s", "", (m.article or "") + "".join(m.paragraphs)) for m in doc.measures)
    assert out == body


def test_bracketed_event_line(tmp_path):
    """A law's （…通过　…修正） line gives events, the latest date and the issuing body."""
    text = ("中华人民共和国促进科技成果转化法\n（1996年5月15日第八届全国人民代表大会常务委员会第十九次会议通过"
            "　根据2015年8月29日第十二届全国人民代表大会常务委员会第十六次会议修正）\n第一条　为了促进科技成果转化，制定本法。\n")
    doc = read(tmp_path, text)
    assert doc.meta["events"] == ["1996年5月15日第八届全国人民代表大会常务委员会第十九次会议通过",
                                  "根据2015年8月29日第十二届全国人民代表大会常务委员会第十六次会议修正"]
    assert doc.meta["date"] == "2015-08-29"
    assert doc.meta["issuer"] == "全国人民代表大会常务委员会"


def test_gb18030_file(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("融资办法\n第一条　支持中小企业融资。\n".encode("gb18030"))
    assert regulation_txt.read(path, "gbk").measures[0].paragraphs == ["支持中小企业融资。"]


def test_looks_like_needs_an_article_line():
    assert regulation_txt.looks_like("标题\n第一条　甲。")
    assert not regulation_txt.looks_like("标题\n根据第一条规定，甲。")


@pytest.mark.parametrize("text, where, reason", [
    ("\n \n", "", "empty file"),
    ("第一条　甲。\n", ":1", "expected the regulation's title"),
    ("标题\n\n", ":2", "no body text"),
])
def test_unreadable_files_raise_corpus_error(tmp_path, text, where, reason):
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        regulation_txt.read(path, "bad")
    assert str(err.value).startswith(f"{path}{where}: ") and reason in str(err.value)


def test_corpus_regulation_reads():
    """The real regulation added to corpus/ reads as 52 articles in six chapters."""
    doc = regulation_txt.read(CORPUS_DOC, CORPUS_DOC.stem)
    assert doc.title == "中华人民共和国促进科技成果转化法"
    assert [m.no for m in doc.measures] == list(range(1, 53))
    assert doc.meta["date"] == "2015-08-29" and doc.meta["issuer"] == "全国人民代表大会常务委员会"
    assert doc.measures[0].chapter == "第一章 总则" and doc.measures[-1].chapter == "第六章 附则"
    text = " ".join(p for m in doc.measures for p in m.paragraphs)
    assert "知识产权质押" in text and "中小企业" in text and "融资" in text
