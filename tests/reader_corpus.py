"""A small law collection for the reader features (dates, versions, chapters, cross-references),
beside the seed list: written into a temporary folder and indexed by the real indexer."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import copy_corpus

PROMOTION = """# 中华人民共和国测试促进法

{date} 第十二届全国人民代表大会常务委员会第二十九次会议通过

<!-- INFO END -->

## 第一章 总则

第一条 为了促进测试事业发展，制定本法。

第二条 依照本法第二十条的规定开展应收账款融资，{extra}。

## 第二章 融资

### 第一节 一般规定

第十九条 国家支持测试企业融资。

### 第二节 应收账款

第二十条 国家鼓励金融机构开展应收账款融资业务，{extra}。
"""
CONTRACT_TEXT = """# 中华人民共和国测试合同法

2012年12月28日 第十一届全国人民代表大会常务委员会第三十次会议通过

<!-- INFO END -->

## 第一章 总则

第一条 为了规范测试合同，制定本法。

第三十九条 依照《中华人民共和国测试促进法》第二十条的规定办理应收账款融资的，合同应当载明融资期限。

第四十条 专利质押合同应当采用书面形式。
"""
REGULATION = """# 测试融资管理条例

2020年5月1日 国务院令第七百号公布

<!-- INFO END -->

第一条 为了规范应收账款融资，制定本条例。

第二条 依照测试促进法第十九条的规定制定的办法，自本条例公布之日起施行。

第三条 本条例自公布之日起施行，《测试登记暂行条例》、《测试担保办法》同时废止。
"""
OLD_REGULATION = """# 测试登记暂行条例

1995年3月1日 国务院令第一百号发布

<!-- INFO END -->

第一条 测试登记由主管部门办理。
"""
INTERPRETATION = """# 最高人民法院关于适用《测试担保办法》若干问题的解释

1999年1月1日 最高人民法院审判委员会通过

<!-- INFO END -->

第一条 以测试财产设定担保的，依照本解释办理。
"""
REPEALED_ID = "laws/行政法规/测试登记暂行条例(1995-03-01)"
OUTDATED_ID = "laws/司法解释/最高人民法院关于适用《测试担保办法》若干问题的解释(1999-01-01)"
PROMOTION_NEW = "laws/经济法/中华人民共和国测试促进法(2017-09-01)"
PROMOTION_OLD = "laws/经济法/中华人民共和国测试促进法(2002-06-29)"
REGULATION_ID = "laws/行政法规/测试融资管理条例(2020-05-01)"
CONTRACT = "laws/经济法/中华人民共和国测试合同法(2012-12-28)"


def write_reader_corpus(base: Path) -> list[Path]:
    """[seed list folder, law folder]: the seed list (undated) and six dated laws, two of them
    versions of one work (the 2002 one historical), one repealed by another (测试登记暂行条例), one
    an interpretation of a law that other repeals (测试担保办法, not in the collection)."""
    seed = copy_corpus(base / "corpus")
    laws = base / "laws"
    (laws / "经济法").mkdir(parents=True)
    (laws / "行政法规").mkdir(parents=True)
    (laws / "司法解释").mkdir(parents=True)
    (laws / "司法解释" / "最高人民法院关于适用《测试担保办法》若干问题的解释(1999-01-01).md").write_text(
        INTERPRETATION, encoding="utf-8")
    (laws / "经济法" / "中华人民共和国测试促进法(2002-06-29).md").write_text(
        PROMOTION.format(date="2002年6月29日", extra="旧版条文"), encoding="utf-8")
    (laws / "经济法" / "中华人民共和国测试促进法(2017-09-01).md").write_text(
        PROMOTION.format(date="2017年9月1日", extra="新版条文"), encoding="utf-8")
    (laws / "经济法" / "中华人民共和国测试合同法(2012-12-28).md").write_text(CONTRACT_TEXT, encoding="utf-8")
    (laws / "行政法规" / "测试融资管理条例(2020-05-01).md").write_text(REGULATION, encoding="utf-8")
    (laws / "行政法规" / "测试登记暂行条例(1995-03-01).md").write_text(OLD_REGULATION, encoding="utf-8")
    return [seed, laws]


def build_reader_index(base: Path) -> Path:
    from indexer.build import build_index

    build_index([str(c) for c in write_reader_corpus(base)], str(base / "index"))
    return base / "index"
