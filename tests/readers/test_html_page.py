"""html_page: policy pages as government sites publish them — body text only, then structure."""
import re

import pytest

from indexer.model import CorpusError
from indexer.readers import html_page

PAGE = """\
<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>山西省中小企业融资促进办法_政策文件_山西省人民政府门户网站</title>
<meta name="ArticleTitle" content="山西省中小企业融资促进办法">
<meta name="PubDate" content="2019-03-05 10:20">
<meta name="ContentSource" content="山西省人民政府办公厅">
<script>var x = "第九十九条 脚本不是正文";</script>
<style>.a { color: red }</style>
</head>
<body>
<header><div class="logo">山西省人民政府门户</div></header>
<nav><a href="/">首页</a> &gt; <a>政策文件</a></nav>
<div class="main">
  <h1>山西省中小企业融资促进办法</h1>
  <div class="info">晋政办发〔2019〕7号</div>
  <div id="zoom" class="TRS_Editor">
    <p>为了缓解中小企业融资难，制定本办法。</p>
    <p style="text-align:center"><strong>第一章　总　则</strong></p>
    <p>第一条　本办法适用于本省中小企业融资促进工作。</p>
    <p>第二条　县级以上人民政府应当推广<b>知识产权质押</b>融资。<br>金融机构应当开发&amp;推广质押产品。</p>
    <!-- 第八十八条 注释不是正文 -->
  </div>
  <div class="related-content"><a>相关文件：关于融资的通知</a></div>
  <form><input value="搜索"></form>
</div>
<aside>热点新闻</aside>
<footer>版权所有 山西省人民政府</footer>
</body></html>
"""

BODY_TEXT = ["为了缓解中小企业融资难，制定本办法。", "第一条", "本办法适用于本省中小企业融资促进工作。",
             "第二条", "县级以上人民政府应当推广知识产权质押融资。", "金融机构应当开发&推广质押产品。"]


def read(tmp_path, text, name="page.html"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return html_page.read(path, path.stem)


def test_meta_tags_and_info_line(tmp_path):
    """ArticleTitle, PubDate, ContentSource meta tags and the doc-number line above the content."""
    doc = read(tmp_path, PAGE)
    assert doc.title == "山西省中小企业融资促进办法"
    assert doc.format == "html"
    assert doc.meta["date"] == "2019-03-05"
    assert doc.meta["issuer"] == "山西省人民政府办公厅"
    assert doc.meta["doc_number"] == "晋政办发〔2019〕7号"


def test_body_text_only_and_all_of_it(tmp_path):
    """Scripts, comments, nav, header, footer, aside, forms and side boxes are not text; every
    character of the content area is; <br> splits paragraphs; entities are decoded."""
    doc = read(tmp_path, PAGE)
    out = "".join((m.article or "") + "".join(m.paragraphs) for m in doc.measures)
    assert re.sub(r"\s", "", out) == "".join(BODY_TEXT)
    for chrome in ("脚本", "注释", "首页", "版权", "热点", "相关文件", "搜索", "门户"):
        assert chrome not in out


def test_articles_chapters_and_preamble(tmp_path):
    doc = read(tmp_path, PAGE)
    assert [(m.no, m.title, m.chapter) for m in doc.measures] == [
        (0, "序言", None), (1, "第一条", "第一章 总则"), (2, "第二条", "第一章 总则")]
    assert doc.measures[2].paragraphs == ["县级以上人民政府应当推广知识产权质押融资。", "金融机构应当开发&推广质押产品。"]
    assert doc.measures[2].line == 20  # the <p> the article starts in


def test_title_from_h1_or_title_tag_without_site_name(tmp_path):
    """Without ArticleTitle: the h1; without an h1: <title> minus its '_site' tail, and a first body
    line repeating the title is not a paragraph."""
    no_meta = PAGE.replace('<meta name="ArticleTitle" content="山西省中小企业融资促进办法">', "")
    assert read(tmp_path, no_meta).title == "山西省中小企业融资促进办法"
    bare = ("<html><head><title>关于融资担保的通知_政策_网站</title></head><body>"
            "<p>关于融资担保的通知</p><p>一、总体要求</p><p>支持中小企业融资担保。</p></body></html>")
    doc = read(tmp_path, bare, "bare.html")
    assert doc.title == "关于融资担保的通知"
    assert [(m.no, m.title, m.paragraphs) for m in doc.measures] == [(1, "一、总体要求", ["支持中小企业融资担保。"])]


def test_front_matter_inside_content(tmp_path):
    """Doc number and date lines at the top of the content area are meta, not body."""
    page = ("<html><body><div class='article-content'><p>融资办法</p><p>晋政发〔2020〕3号</p>"
            "<p>发布日期：2020年4月1日</p><p>第一条　支持融资。</p></div></body></html>")
    doc = read(tmp_path, page, "front.htm")
    assert doc.title == "融资办法"
    assert doc.meta["doc_number"] == "晋政发〔2020〕3号" and doc.meta["date"] == "2020-04-01"
    assert [(m.no, m.paragraphs) for m in doc.measures] == [(1, ["支持融资。"])]


def test_table_rows_are_lines(tmp_path):
    """Cells of a row join with a space; without any title the file name stands in."""
    page = "<html><body><p>第一条　见下表。</p><table><tr><td>质押</td><td>登记</td></tr></table></body></html>"
    doc = read(tmp_path, page, "table.html")
    assert doc.measures[0].paragraphs == ["见下表。", "质押 登记"]
    assert doc.title == "table"


@pytest.mark.parametrize("text, reason", [
    ("第一条　这是纯文本，不是网页。", "not an HTML page"),
    ("<html><body><script>var a=1;</script><nav>首页</nav></body></html>", "no text in the page body"),
])
def test_unreadable_pages_raise_corpus_error_naming_the_file(tmp_path, text, reason):
    path = tmp_path / "bad.html"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        html_page.read(path, "bad")
    assert str(err.value).startswith(str(path)) and reason in str(err.value)
