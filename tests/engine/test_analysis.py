"""The analyzer shared by index and query: normalise → jieba words → sub-words → stop words.

Precise words carry the positions (phrases work), sub-words ride on their word's position (专利
finds 专利权), offsets point into the original text (highlighting), and the analyzer travels
inside the index with its user dictionary.
"""
from __future__ import annotations

import pickle
import re
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

from indexer.engine.analysis import index_positions, index_spans, make_analyzer, parse_userdict
from indexer.normalize import Normalizer
from indexer.resources import corpus_analyzer, stopwords
from tests.conftest import CORPUS, ROOT

normalize = Normalizer()


@pytest.fixture(scope="module")
def analyzer():
    return corpus_analyzer(CORPUS)


def tokens(analyzer, text, mode="index"):
    """(text, pos, start, end, subword) for every token."""
    return [(t.text, t.pos, t.startchar, t.endchar, t.subword)
            for t in analyzer(text, positions=True, chars=True, mode=mode)]


def words(analyzer, text):
    return [t[0] for t in tokens(analyzer, text) if not t[4]]


# -- positions ---------------------------------------------------------------------------------

def test_precise_words_get_consecutive_positions(analyzer):
    """Phrase queries count precise-mode words: 专利权质押 融资 服务 are positions 0, 1, 2."""
    precise = [t for t in tokens(analyzer, "专利权质押融资服务") if not t[4]]
    assert [t[0] for t in precise] == ["专利权质押", "融资", "服务"]
    assert [t[1] for t in precise] == [0, 1, 2]


def test_subwords_share_their_words_position_and_are_flagged(analyzer):
    """Sub-words of 专利权质押 (专利, 专利权, 质押, …) stand at its position, flagged subword."""
    toks = tokens(analyzer, "专利权质押融资")
    word = next(t for t in toks if t[0] == "专利权质押")
    subs = [t for t in toks if t[4]]
    assert {"专利", "专利权", "质押"} <= {t[0] for t in subs}
    assert all(t[1] == word[1] for t in subs)
    assert all(word[2] <= t[2] < t[3] <= word[3] for t in subs)
    assert not any(t[4] for t in toks if t[0] in ("专利权质押", "融资"))


def test_short_words_have_no_subwords(analyzer):
    assert [t for t in tokens(analyzer, "融资") if t[4]] == []


def test_phrase_mode_has_no_subwords(analyzer):
    """Phrase queries match precise words only; sub-words would break their adjacency."""
    assert not any(t[4] for t in tokens(analyzer, "专利权质押融资", mode="phrase"))


def test_punctuation_breaks_a_phrase_but_spaces_do_not(analyzer):
    """专利，质押 must not match the phrase 专利质押; 专利 质押 may."""
    comma = [t[1] for t in tokens(analyzer, "专利，质押") if not t[4]]
    space = [t[1] for t in tokens(analyzer, "专利 质押") if not t[4]]
    assert comma[1] - comma[0] == 2
    assert space[1] - space[0] == 1


# -- offsets into the original text ---------------------------------------------------------------

@pytest.mark.parametrize("text, word", [
    ("加强專利權質押融資", "专利权质押"),
    ("支持ＰＰＰ項目", "ppp"),
    ("國稅地稅聯合辦稅", "办税"),
    ("应收账款ＡＢＣ１２３融资", "abc123"),
])
def test_offsets_point_into_the_original_text(analyzer, text, word):
    """Traditional and full-width input is indexed normalised, but spans address the text as written."""
    toks = tokens(analyzer, text)
    assert word in [t[0] for t in toks]
    for tok, _, start, end, _ in toks:
        assert normalize(text[start:end]) == tok


def _unify(s):
    return re.sub(r"\s", "", s).translate(str.maketrans("[(（［]）)］", "〔〔〔〔〕〕〕〕"))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.one_of(
    st.sampled_from(list("专利權質押融資应收账款國稅地稅ＡＢＣａ１２３ 。，“”《》（）〔〕的和与晋政办发2018号")),
    st.characters(blacklist_categories=("Cs",))), max_size=40))
def test_every_token_span_is_the_token(analyzer, text):
    """value[start:end], normalised, is the token (document numbers: brackets unified, spaces dropped)."""
    for tok, _, start, end, _ in tokens(analyzer, text):
        assert 0 <= start < end <= len(text)
        span = normalize(text[start:end])
        assert span == tok or ("〔" in tok and _unify(span) == tok)


# -- document numbers, stop words --------------------------------------------------------------------

@pytest.mark.parametrize("text, number", [
    ("晋政办发〔2018〕12号", "晋政办发〔2018〕12号"),
    ("晋金发[2017]63号", "晋金发〔2017〕63号"),
    ("晋金发［２０１７］６３号", "晋金发〔2017〕63号"),
    ("（证监会公告[2017]10号）", "证监会公告〔2017〕10号"),
    ("落实《通知》（晋金发[2017]63号）。", "晋金发〔2017〕63号"),
])
def test_document_numbers_stay_one_token(analyzer, text, number):
    """A document number is one token in one bracket style, so any spelling of it finds the others."""
    assert number in words(analyzer, text)
    assert not any(w in ("2017", "2018", "63", "12", "10") for w in words(analyzer, text))


def test_document_number_in_running_text_keeps_its_neighbours_apart(analyzer):
    """Cited without brackets around it, a number still must not swallow the verb before it."""
    assert "晋政办发〔2018〕12号" in words(analyzer, "按照晋政办发〔2018〕12号执行")


def test_stop_words_are_removed(analyzer):
    assert {"的", "和", "与"} <= set(stopwords())
    assert words(analyzer, "专利的质押和融资与服务") == ["专利", "质押", "融资", "服务"]


def test_stop_words_leave_position_gaps(analyzer):
    """Positions are not renumbered, so 专利的质押 is not the phrase 专利质押."""
    positions = [t[1] for t in tokens(analyzer, "专利的质押") if not t[4]]
    assert positions == [0, 2]


def test_user_dictionary_keeps_policy_terms_whole(analyzer):
    """corpus/userdict.txt: 应收账款, 协议工资制, 小微企业 are single words."""
    assert words(analyzer, "小微企业应收账款融资") == ["小微企业", "应收账款", "融资"]
    assert "协议工资制" in words(analyzer, "实行协议工资制")


def test_userdict_parser():
    assert parse_userdict("# comment\n应收账款 2000\n双创 1000 n\n容错机制\n") == (
        ("应收账款", 2000, None), ("双创", 1000, "n"), ("容错机制", None, None))


# -- travelling inside the index ---------------------------------------------------------------------

def test_analyzer_pickles_and_unpickles_equal(analyzer):
    clone = pickle.loads(pickle.dumps(analyzer))
    assert clone == analyzer
    assert tokens(clone, "專利權質押融資") == tokens(analyzer, "專利權質押融資")


def test_index_carries_the_corpus_analyzer(seed_index):
    """The searcher analyses queries with the analyzer pickled into the schema: the one that built it."""
    from indexer.store import IndexStore
    schema = whoosh_index.open_dir(str(IndexStore(seed_index).current)).schema
    assert schema["text"].analyzer == corpus_analyzer(seed_index.parent / "corpus")
    assert schema["text"].analyzer != make_analyzer((), stopwords())


def test_user_words_are_honoured_after_unpickling_in_a_fresh_process(tmp_path):
    """jieba's dictionary is per process: the unpickled analyzer must load its user words itself."""
    word = "犀角灯照明工程"
    pickled = tmp_path / "analyzer.pickle"
    pickled.write_bytes(pickle.dumps(make_analyzer(((word, 5000, None),), ())))
    script = textwrap.dedent(f"""
        import pickle, sys
        from indexer.engine.analysis import make_analyzer
        plain = [t.text for t in make_analyzer()("{word}") if not t.subword]
        carried = pickle.loads(open(sys.argv[1], "rb").read())
        print(plain, [t.text for t in carried("{word}") if not t.subword])
    """)
    out = subprocess.run([sys.executable, "-c", script, str(pickled)], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    plain, carried = out.stdout.strip().rsplit("] [", 1)
    assert word not in plain          # jieba alone splits it …
    assert carried == f"'{word}']"    # … the analyzer from the pickle keeps it whole


def test_fast_dictionary_cache_gives_jiebas_own_dictionary(tmp_path):
    """jieba's main dictionary comes from our flat marshal cache (written on first use): exactly the
    FREQ and total that jieba's own initialize() builds, in a fresh process as `policy-index update` runs."""
    script = textwrap.dedent("""
        import hashlib, os, sys, jieba
        from indexer.engine import analysis
        path = analysis._dictionary_cache_path()
        base = analysis.initialize_jieba()
        assert os.path.isfile(path), path
        def digest(freq, total):
            h = hashlib.sha1(repr(total).encode())
            for k, v in freq.items():
                h.update(f"{k}\\t{v}\\n".encode())
            return h.hexdigest(), len(freq)
        ours = digest(*base)
        again = digest(*analysis._load_dictionary_cache(path))
        own = jieba.Tokenizer()
        own.initialize()
        print(ours == again == digest(own.FREQ, own.total), ours[1] > 300000, jieba.dt.initialized)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True", "False"]   # (jieba's global dictionary never loaded)


@pytest.mark.parametrize("content, mode", [(b"garbage", 0o600), (None, 0o666)])
def test_dictionary_cache_refuses_garbage_and_files_others_can_write(tmp_path, content, mode):
    """A damaged cache, or one another user could have planted, is ignored (jieba's own is loaded)."""
    import marshal
    from indexer.engine import analysis
    path = tmp_path / "cache"
    path.write_bytes(content if content is not None else marshal.dumps((("甲",), (1,), 1)))
    path.chmod(mode)
    assert analysis._load_dictionary_cache(str(path)) is None


def _chain_positions(analyzer, text):
    poses = {}
    for t in analyzer(text, positions=True, boosts=True, mode="index"):
        if not t.stopped:
            poses.setdefault(t.text, []).append(t.pos)
    return poses


def _chain_spans(analyzer, text):
    return [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True, mode="index") if not t.stopped]


def corpus_lines():
    texts = [line for path in sorted(CORPUS.glob("*.txt")) if path.name not in ("userdict.txt", "synonyms.txt")
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts + ["按照晋政办发〔2018〕12号文件的规定，和专利权质押。", "的的的", "", "  ", "知识产权质押融资 ABC 123"]


@pytest.mark.parametrize("fused, chain", [(index_positions, _chain_positions), (index_spans, _chain_spans)])
def test_fused_paths_are_the_analyzers_tokens(analyzer, fused, chain):
    """The fused index-mode paths give exactly the analyzer's unstopped tokens (with positions for
    indexing, with characters for highlighting): every line of the corpus, stop words,
    punctuation gaps, sub-words, document numbers."""
    checked = 0
    for text in corpus_lines():
        got = fused(analyzer, text)
        assert got == chain(analyzer, text), text
        checked += len(got)
    assert checked > 3000


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("专利权质押融资中小企业科技创新的了和与及在國家省市發展改革委员会ＡBc12〔〕号。，、 ")),
               max_size=50))
def test_index_positions_on_random_text(analyzer, text):
    from indexer.engine.analysis import index_positions
    assert index_positions(analyzer, text) == _chain_positions(analyzer, text)


def test_index_positions_leaves_other_analyzers_to_whoosh():
    from whoosh.analysis import StandardAnalyzer
    from indexer.engine.analysis import index_positions
    assert index_positions(StandardAnalyzer(), "some text") is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("专利权质押融资中小企业科技创新的了和与及在國家省市發展改革委员会ＡBc12〔〕号。，、 ")),
               max_size=50))
def test_index_spans_on_random_text(analyzer, text):
    from indexer.engine.analysis import index_spans
    assert index_spans(analyzer, text) == _chain_spans(analyzer, text)


def _chain_matches(analyzer, text, terms):
    return [span for span in _chain_spans(analyzer, text) if span[0] in terms]


def test_spans_of_the_terms_looked_for_are_the_analyzers(analyzer):
    """Highlighting segments only the text blocks holding a query term: its matches must be
    exactly the analyzer's, for terms that are words, sub-words, digits, document numbers and
    characters outside jieba's blocks."""
    import random
    rng = random.Random(5)
    checked = 0
    for text in corpus_lines():
        words = [t for t, _, _ in _chain_spans(analyzer, text)] or ["专利"]
        for terms in ({rng.choice(words)}, set(rng.sample(words, min(3, len(words)))), {"专利", "质押", "12"},
                      {"晋政办发〔2018〕12号", "规定"}, {"𠮷", "融资"}):
            got = [span for span in index_spans(analyzer, text, terms) if span[0] in terms]
            assert got == _chain_matches(analyzer, text, terms), (text, terms)
            checked += len(got)
    assert checked > 500


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("专利权质押融资中小企业科技创新的了和与及在國家省市發展改革委员会ＡBc12〔〕号。，、 𠮷")),
               max_size=50),
       st.sets(st.sampled_from(["专利", "专利权", "质押", "融资", "企业", "中小企业", "科技创新", "bc", "12", "𠮷", "发展"]),
               max_size=4))
def test_spans_of_the_terms_looked_for_on_random_text(analyzer, text, terms):
    got = [span for span in index_spans(analyzer, text, terms) if span[0] in terms]
    assert got == _chain_matches(analyzer, text, terms)


def test_stored_segmentation_gives_the_analyzers_spans(analyzer):
    """A clause's word_cuts (stored with it at index time) let highlighting skip jieba: the
    spans from the cuts are the analyzer's, on every line of the corpus; a document number
    whose token is not its text (other brackets, spaces) has no cuts, and segments as before."""
    from indexer.engine.analysis import cut_words, text_cuts
    without = 0
    for text in corpus_lines() + ["按照晋政办发［2018］ 12号文件", "晋政办发〔2018〕12号"]:
        cuts = text_cuts(analyzer, text)
        if cuts is None:
            without += 1
            assert index_spans(analyzer, text, cuts=None) == _chain_spans(analyzer, text)
            continue
        assert len(cuts) <= len(text) and cut_words(analyzer[0].normalizer(text), cuts) is not None
        assert index_spans(analyzer, text, cuts=cuts) == _chain_spans(analyzer, text), text
    assert 1 <= without < 10


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("专利权质押融资中小企业的了和在國家省市發展ＡBc12〔〕号。，、 𠮷\n")), max_size=50))
def test_stored_segmentation_on_random_text(analyzer, text):
    from indexer.engine.analysis import text_cuts
    cuts = text_cuts(analyzer, text)
    assert index_spans(analyzer, text, cuts=cuts) == _chain_spans(analyzer, text)


def test_cuts_that_do_not_fit_the_text_are_not_used(analyzer):
    """A stored segmentation from another text (say, a damaged record) is ignored, not trusted."""
    from indexer.engine.analysis import text_cuts
    cuts = text_cuts(analyzer, "专利权质押融资")
    assert index_spans(analyzer, "加大专利权质押融资宣传", cuts=cuts) == _chain_spans(analyzer, "加大专利权质押融资宣传")


def test_highlighting_from_stored_cuts_in_a_fresh_process_loads_jieba_for_the_subwords():
    """With stored cuts nothing is segmented, but sub-words still come from jieba's dictionary:
    a process whose first analysis is a highlight must load it (not cache empty sub-words)."""
    script = textwrap.dedent("""
        from indexer.resources import corpus_analyzer
        from search_app.highlight import highlight
        from tests.conftest import CORPUS
        analyzer = corpus_analyzer(CORPUS)
        text = "中华人民共和国科学技术进步法"
        print(highlight(analyzer, text, {"人民", "科学"}, "\\x07\\x04\\x02\\x01"))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "中华<mark>人民</mark>共和国<mark>科学</mark>技术进步法"
