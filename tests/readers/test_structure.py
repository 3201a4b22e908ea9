"""structure.build_measures: numbered regulation lines → measures, the rules every reader relies on."""
import re

import pytest

from indexer.model import CorpusError
from indexer.readers.structure import SUB_FACTOR, build_measures, cn_to_int, split_front_matter


def numbered(text: str) -> list[tuple[int, str]]:
    return list(enumerate(text.split("\n"), 1))


def chars(s: str) -> str:
    return re.sub(r"\s", "", s)


@pytest.mark.parametrize("numeral, value", [
    ("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("二十三", 23), ("一百", 100),
    ("一百零一", 101), ("一百一十", 110), ("二百四十四", 244), ("四百零八", 408),
    ("一千二百六十", 1260), ("两千", 2000), ("一千零一", 1001), ("一万零三", 10003),
    ("〇", 0), ("一〇一", 101), ("一九九四", 1994), ("12", 12), ("１２", 12),
])
def test_cn_to_int(numeral, value):
    assert cn_to_int(numeral) == value


@pytest.mark.parametrize("bad", ["", "条", "二x"])
def test_cn_to_int_rejects_non_numerals(bad):
    with pytest.raises(ValueError):
        cn_to_int(bad)


LAW = """\
为了规范中小企业促进工作，制定本法。

## 第一编 总则

### 第一章 一般规定

第一条 为了改善中小企业经营环境，制定本法。

第二条 本法所称中小企业，是指中型企业、小型企业。

中型企业划分标准由国务院制定。

### 第二章  财税  支持

#### 第一节 专项资金

第二十条 中央财政应当安排专项资金。

第二十条之一 县级以上地方各级人民政府应当安排专项资金。

第 21 条 专项资金重点用于融资服务。
"""


def test_articles_take_number_label_and_paragraphs():
    """Each 第X条 line starts a measure numbered X; the rest of the line and later lines are its 款."""
    measures, meta = build_measures("law.md", numbered(LAW), "中小企业促进法")
    second = next(m for m in measures if m.no == 2)
    assert second.title == second.article == "第二条"
    assert second.paragraphs == ["本法所称中小企业，是指中型企业、小型企业。", "中型企业划分标准由国务院制定。"]
    assert second.line == 9
    assert meta["structure"] == "article"
    assert [m.no for m in measures if m.article] == [1, 2, 20, 20 * SUB_FACTOR + 1, 21]


def test_chapters_attach_to_articles():
    """编/章/节 headings in force join with spaces; a new 章 drops the old 节; inner spaces go."""
    measures, _ = build_measures("law.md", numbered(LAW), "中小企业促进法")
    by_no = {m.no: m for m in measures}
    assert by_no[1].chapter == "第一编 总则 第一章 一般规定"
    assert by_no[20].chapter == "第一编 总则 第二章 财税支持 第一节 专项资金"
    assert by_no[21].chapter == by_no[20].chapter


def test_article_zhi_yi_keeps_label_and_unique_number():
    """第X条之一 is its own measure; its number X*10000+1 cannot meet a plain article number."""
    measures, _ = build_measures("law.md", numbered(LAW), "中小企业促进法")
    zhi = next(m for m in measures if m.title == "第二十条之一")
    assert zhi.no == 200001 and zhi.article == "第二十条之一"
    assert zhi.paragraphs == ["县级以上地方各级人民政府应当安排专项资金。"]
    assert len({m.no for m in measures}) == len(measures)


def test_preamble_is_kept_as_measure_zero():
    """Text before the first article is not dropped: it is measure 0, 序言."""
    measures, _ = build_measures("law.md", numbered(LAW), "中小企业促进法")
    assert measures[0].no == 0 and measures[0].title == "序言"
    assert measures[0].paragraphs == ["为了规范中小企业促进工作，制定本法。"]


def test_every_body_character_lands_in_a_paragraph_or_label():
    """Nothing is lost: the body's characters, headings aside, are the labels plus paragraphs."""
    measures, _ = build_measures("law.md", numbered(LAW), "中小企业促进法")
    body = "".join(chars(l) for l in LAW.split("\n") if not l.startswith("#"))
    out = "".join(chars(m.article or "") + chars("".join(m.paragraphs)) for m in measures)
    assert out == body
    assert all(p.strip() for m in measures for p in m.paragraphs)


def test_plain_text_headings_and_full_width_space():
    """A .txt regulation has headings without '#', and 　 after labels."""
    text = "第一章　总　则\n第一条　为了促进科技成果转化，制定本法。\n第二章 组织实施\n第二条　国家鼓励研究开发机构转化成果。"
    measures, _ = build_measures("r.txt", numbered(text), "科技成果转化法")
    assert [(m.no, m.chapter, m.paragraphs) for m in measures] == [
        (1, "第一章 总则", ["为了促进科技成果转化，制定本法。"]),
        (2, "第二章 组织实施", ["国家鼓励研究开发机构转化成果。"]),
    ]


def test_article_label_needs_a_separator():
    """'第五条修改为' in running text is not an article; a label is followed by a space or line end."""
    text = "第一条 总体要求。\n第五条修改为：“支持中小企业融资。”"
    measures, _ = build_measures("r.txt", numbered(text), "决定")
    assert [m.no for m in measures] == [1]
    assert measures[0].paragraphs == ["总体要求。", "第五条修改为：“支持中小企业融资。”"]


def test_restarted_numbering_keeps_all_text_and_unique_numbers():
    """A second run of 第一条… (an appendix) continues counting; labels stay; meta says so."""
    text = "第一条 甲。\n第二条 乙。\n附：实施细则\n第一条 丙。\n第二条 丁。"
    measures, meta = build_measures("r.txt", numbered(text), "办法")
    assert [(m.no, m.title) for m in measures] == [(1, "第一条"), (2, "第二条"), (3, "第一条"), (4, "第二条")]
    assert measures[1].paragraphs == ["乙。", "附：实施细则"]
    assert meta["renumbered"] is True and meta["renumbered_lines"] == [4]


def test_items_are_measures_when_there_are_no_articles():
    """Amendment decisions and notices: 一、二、… items; a short item line is the title."""
    text = ("为了支持中小企业融资，决定如下：\n一、总体要求\n坚持市场化。\n"
            "二、将第十条修改为：“推广知识产权质押融资。”\n增加一款。")
    measures, meta = build_measures("d.txt", numbered(text), "决定")
    assert meta["structure"] == "item"
    assert [(m.no, m.title, m.paragraphs) for m in measures] == [
        (0, "序言", ["为了支持中小企业融资，决定如下："]),
        (1, "一、总体要求", ["坚持市场化。"]),
        (2, "二、", ["将第十条修改为：“推广知识产权质押融资。”", "增加一款。"]),
    ]


def test_single_measure_when_nothing_is_numbered():
    """No articles, items or headings: one measure titled by the document, every paragraph in it."""
    text = "现将有关事项通知如下。\n\n请遵照执行。"
    measures, meta = build_measures("n.txt", numbered(text), "关于融资的通知")
    assert meta["structure"] == "single"
    assert [(m.no, m.title, m.paragraphs) for m in measures] == [
        (1, "关于融资的通知", ["现将有关事项通知如下。", "请遵照执行。"])]


def test_markdown_sections_when_nothing_is_numbered():
    """Unnumbered text under markdown headings: one measure per heading with text."""
    text = "## 范围\n本标准规定鉴定原则。\n## 术语\n### 重伤\n使人肢体残废。"
    measures, meta = build_measures("s.md", numbered(text), "标准")
    assert meta["structure"] == "section"
    assert [(m.no, m.title, m.chapter) for m in measures] == [(1, "范围", "范围"), (2, "重伤", "术语 重伤")]


def test_appendix_after_last_article_is_its_own_measure():
    """A heading with text after the last article (附件) does not swell that article."""
    text = "第一条 甲。\n第二条 乙。\n## 附件一\n下列决定予以废止。"
    measures, _ = build_measures("l.md", numbered(text), "刑法")
    assert [(m.no, m.title, m.paragraphs) for m in measures] == [
        (1, "第一条", ["甲。"]), (2, "第二条", ["乙。"]), (3, "附件一", ["下列决定予以废止。"])]


def test_heading_with_nothing_under_it_stays_as_text():
    """A last heading with no articles after it would vanish from chapters: it is kept as text."""
    text = "第一条 甲。\n## 第二章 附则"
    measures, _ = build_measures("l.md", numbered(text), "条例")
    assert measures[-1].paragraphs == ["甲。", "第二章 附则"]


def test_mid_document_heading_text_keeps_the_heading():
    """Text under a new chapter heading before its first article keeps the heading in front of it."""
    text = "## 第一章 总则\n第一条 甲。\n## 第二章 受理\n本章规定受理。\n第二条 乙。"
    measures, _ = build_measures("l.md", numbered(text), "条例")
    assert measures[0].paragraphs == ["甲。", "第二章 受理", "本章规定受理。"]
    assert measures[1].chapter == "第二章 受理"


def test_zero_width_lines_are_blank():
    """Some sources mark empty lines with U+200B; they are not paragraphs."""
    measures, _ = build_measures("l.md", numbered("第一条 甲。\n\u200b\n乙。\u200b"), "条例")
    assert measures[0].paragraphs == ["甲。", "乙。"]


def test_empty_body_is_a_corpus_error_naming_the_file():
    with pytest.raises(CorpusError, match=r"^empty\.txt:3: no body text"):
        build_measures("empty.txt", [(3, "  "), (4, "\u200b")], "x")


def test_front_matter_goes_to_meta_and_preamble_stays():
    """Doc number, dates, issuer above the body are meta; a preamble paragraph stays body."""
    lines = numbered("国务院办公厅\n国办发〔2018〕12号\n（2002年6月29日第九届全国人民代表大会常务委员会第二十八次会议通过"
                     "　2017年9月1日第十二届全国人民代表大会常务委员会第二十九次会议修订）\n"
                     "为了支持融资，2018年起实施本办法。\n第一条 甲。")
    meta, body = split_front_matter(lines)
    assert meta["issuer"] == "国务院办公厅"
    assert meta["doc_number"] == "国办发〔2018〕12号"
    assert meta["date"] == "2017-09-01" and len(meta["events"]) == 2
    assert [n for n, _ in body] == [4, 5]
