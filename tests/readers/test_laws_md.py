"""laws_md: the laws corpus Markdown files (title, dated events, INFO END marker, 编章节/条 body)."""
import os
import re

import pytest

from indexer.model import CorpusError
from indexer.readers import laws_md
from tests.helpers import require_laws

SME = """\
# 中华人民共和国中小企业促进法

2002年6月29日 第九届全国人民代表大会常务委员会第二十八次会议通过

2017年9月1日 第十二届全国人民代表大会常务委员会第二十九次会议修订

<!-- INFO END -->

## 第一章 总则

第一条 为了改善中小企业经营环境，制定本法。

## 第四章 融资促进

第十九条 县级以上人民政府应当推动知识产权质押融资。

国家支持中小企业融资。
"""


def write(tmp_path, rel, text):
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_title_events_and_file_name_date(tmp_path):
    """The file name's (YYYY-MM-DD) is the version date; events are kept as written."""
    path = write(tmp_path, "经济法/中小企业促进法(2017-09-01).md", SME)
    doc = laws_md.read(path, "sme", relpath="经济法/中小企业促进法(2017-09-01).md")
    assert doc.title == doc.meta["work_title"] == "中华人民共和国中小企业促进法"
    assert doc.format == "laws-md"
    assert doc.meta["events"] == ["2002年6月29日 第九届全国人民代表大会常务委员会第二十八次会议通过",
                                  "2017年9月1日 第十二届全国人民代表大会常务委员会第二十九次会议修订"]
    assert doc.meta["date"] == doc.meta["version_date"] == "2017-09-01"
    assert doc.meta["issuer"] == "全国人民代表大会常务委员会"
    assert doc.meta["category"] == "经济法"


def test_articles_keep_chapters_and_line_numbers(tmp_path):
    """Body lines after the marker become articles with their chapter and source line."""
    doc = laws_md.read(write(tmp_path, "经济法/x.md", SME), "sme")
    art = next(m for m in doc.measures if m.no == 19)
    assert art.chapter == "第四章 融资促进"
    assert art.paragraphs == ["县级以上人民政府应当推动知识产权质押融资。", "国家支持中小企业融资。"]
    assert art.line == 15
    body = "".join(re.sub(r"\s", "", l) for l in SME.split("<!-- INFO END -->")[1].split("\n")
                   if not l.startswith("#"))
    assert "".join(m.article + "".join(m.paragraphs) for m in doc.measures) == body


def test_latest_event_date_without_file_date(tmp_path):
    """No date in the file name: the latest event date is the version date."""
    text = SME.replace("<!-- INFO END -->", "2018年1月1日 施行\n\n<!-- INFO END -->")
    doc = laws_md.read(write(tmp_path, "经济法/中小企业促进法.md", text), "sme")
    assert doc.meta["date"] == "2018-01-01"


def test_second_title_line_is_the_part(tmp_path):
    """民法典 parts: `# 中华人民共和国民法典` + `# 合同编`; versions of a part share work_title."""
    text = ("# 中华人民共和国民法典\n\n# 合同编\n\n2020年5月28日 第十三届全国人民代表大会第三次会议通过\n\n"
            "<!-- INFO END -->\n\n## 第一分编  通则\n\n### 第一章  一般规定\n\n第四百六十三条 本编调整因合同产生的民事关系。\n")
    doc = laws_md.read(write(tmp_path, "民法典/合同编.md", text), "ht", relpath="民法典/合同编.md")
    assert doc.title == doc.meta["work_title"] == "中华人民共和国民法典 合同编"
    assert doc.meta["part"] == "合同编"
    assert doc.meta["issuer"] == "全国人民代表大会"
    assert doc.measures[0].no == 463 and doc.measures[0].chapter == "第一分编 通则 第一章 一般规定"


def test_local_regulation_category_and_province(tmp_path):
    """DLC/<省>地方法规/地方性法规/<省>/ → 地方性法规 + province, from relpath or from the path."""
    rel = "DLC/山东地方法规/地方性法规/山东/济南市农村公路条例(2014-09-26).md"
    text = ("# 济南市农村公路条例\n\n2014年7月23日 济南市第十五届人民代表大会常务委员会第十五次会议通过\n\n"
            "2014年9月26\n\n日山东省第十二届人民代表大会常务委员会第十次会议批准\n\n<!-- INFO END -->\n\n第一条 甲。\n")
    path = write(tmp_path, rel, text)
    for doc in (laws_md.read(path, "jn", relpath=rel), laws_md.read(path, "jn")):
        assert doc.meta["category"] == "地方性法规" and doc.meta["province"] == "山东"
        assert doc.meta["issuer"] == "济南市人民代表大会常务委员会"
        assert doc.meta["events"][1] == "2014年9月26日山东省第十二届人民代表大会常务委员会第十次会议批准"


def test_department_rules_name_the_department(tmp_path):
    rel = "部门规章/公安部/x.md"
    doc = laws_md.read(write(tmp_path, rel, SME), "x", relpath=rel)
    assert doc.meta["category"] == "部门规章" and doc.meta["department"] == "公安部"


def test_table_markup_is_not_text(tmp_path):
    """<!-- TABLE --> comments and |---| rules are markup; table rows are kept."""
    text = ("# 补充规定\n\n<!-- INFO END -->\n\n为统一认定罪名，规定如下：\n\n<!-- TABLE -->\n"
            "| 刑法条文 |罪名 |\n|-----|-----|\n| 第244条之一 |雇用童工罪 |\n<!-- TABLE END -->\n")
    doc = laws_md.read(write(tmp_path, "司法解释/x.md", text), "x")
    assert doc.measures[0].paragraphs == ["为统一认定罪名，规定如下：", "| 刑法条文 |罪名 |", "| 第244条之一 |雇用童工罪 |"]


@pytest.mark.parametrize("text, where, reason", [
    ("2002年6月29日 通过\n<!-- INFO END -->\n第一条 甲。\n", ":1:", "expected a '# title' line first"),
    ("\n<!-- INFO END -->\n第一条 甲。\n", ":2:", "no '# title' line"),
    ("# 标题\n\n第一条 甲。\n", ": ", "no <!-- INFO END --> marker"),
    ("# 标题\n<!-- INFO END -->\n\n\u200b\n", ":2:", "no text after"),
])
def test_malformed_files_raise_corpus_error_with_file_and_line(tmp_path, text, where, reason):
    path = write(tmp_path, "行政法规/bad.md", text)
    with pytest.raises(CorpusError) as err:
        laws_md.read(path, "bad")
    assert str(err.value).startswith(str(path) + where) and reason in str(err.value)


@pytest.mark.slow
def test_whole_laws_corpus_reads():
    """Every real file reads, except the few whose body is really empty (known, listed here).
    The collection: ../shared/corpora/laws or $POLICY_SEARCH_LAWS (under CI, missing fails)."""
    laws = require_laws()
    empty_bodies = {"汕头经济特区突发公共卫生事件应急条例(2022-05-30).md",
                    "重庆市实施《国家赔偿法》办法(2012-09-27).md",
                    "重庆市实施《母婴保健法》办法(2018-07-26).md",
                    "重庆市实施《农业技术推广法》办法(2016-09-29).md"}
    files = [p for p in laws.rglob("*.md") if p.name != "SOURCE.md"]
    failures, measures = {}, 0
    for path in files:
        try:
            doc = laws_md.read(path, path.stem, relpath=os.path.relpath(path, laws))
        except CorpusError as exc:
            failures[path.name] = str(exc)
            continue
        measures += len(doc.measures)
        assert len({m.no for m in doc.measures}) == len(doc.measures), path
        assert all(p.strip() for m in doc.measures for p in m.paragraphs), path
        assert doc.meta["category"], path
    assert len(files) == 3423
    assert set(failures) == empty_bodies and all("no text after" in e for e in failures.values())
    assert measures > 145_000
