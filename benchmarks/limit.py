#!/usr/bin/env python3
"""The design's speed limit on this machine: what a build of jieba + Whoosh cannot beat.

    python benchmarks/limit.py --corpus benchmarks/out/corpus-c120000

Issue #6 puts the limit at jieba's search-mode segmentation plus Whoosh's own cost of indexing
pre-tokenized clause text (a text-only field, positions, the default writer), one core each part,
both cores working: limit = 2 / (jieba s per clause + Whoosh s per clause). Its target, 2,400
clauses/s against a limit near 2,900 on the machine it was measured on, is 83 % of the limit;
machines drift and change, so bench_build.py measures the limit in the same run as the engine
and reports the engine's share of it. Both parts use the engine's own clauses (reader and
splitter) and jieba's own code (not the faster word graph the indexer installs).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

TARGET_SHARE = 2400 / 2900   # the target as a share of the limit it was measured against


def clause_texts(corpus_dirs) -> list[str]:
    from indexer.clauses import document_clauses
    from indexer.corpus import discover, read_all
    docs, _errors = read_all(discover(corpus_dirs))
    return [c.text for doc in docs for c in document_clauses(doc)]


def jieba_seconds(texts) -> float:
    """jieba.cut_for_search over every clause, after the dictionary is loaded."""
    import jieba
    from indexer.engine.jieba_speedups import jieba_own
    jieba.setLogLevel(60)
    jieba.initialize()
    with jieba_own():      # jieba's own code, not the faster functions the indexer installs
        t0 = time.process_time()
        for text in texts:
            for _ in jieba.cut_for_search(text):
                pass
        return time.process_time() - t0


class _Given:
    """A Whoosh tokenizer yielding tokens already made (the value is a list of words)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        from whoosh.analysis import Token
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, word in enumerate(value, start_pos):
            t.text, t.boost, t.stopped = word, 1.0, False
            if positions:
                t.pos = pos
            yield t


def whoosh_seconds(token_lists, tmp: Path) -> float:
    """Whoosh's default writer indexing the pre-tokenized clauses into a text-only positions field."""
    from whoosh import index as whoosh_index
    from whoosh.analysis import CompositeAnalyzer
    from whoosh.fields import TEXT, Schema
    analyzer = CompositeAnalyzer(_Given())
    ix = whoosh_index.create_in(str(tmp), Schema(text=TEXT(analyzer=analyzer)))
    t0 = time.process_time()
    writer = ix.writer()
    for tokens in token_lists:
        writer.add_document(text=tokens)
    writer.commit()
    return time.process_time() - t0


def measure(corpus_dirs) -> dict:
    import jieba
    texts = clause_texts(corpus_dirs)
    seg = jieba_seconds(texts)
    tokens = [list(jieba.cut_for_search(t)) for t in texts]
    with tempfile.TemporaryDirectory() as tmp:
        whoosh = whoosh_seconds(tokens, Path(tmp))
    n, chars = len(texts), sum(map(len, texts))
    per_clause = (seg + whoosh) / n
    limit = 2 / per_clause
    return {"clauses": n, "chars": chars, "jieba_s": seg, "jieba_chars_per_s": chars / seg,
            "whoosh_s": whoosh, "whoosh_clauses_per_s": n / whoosh, "limit_clauses_per_s": limit,
            "target_clauses_per_s": TARGET_SHARE * limit}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, action="append", required=True)
    a = ap.parse_args(argv)
    print(json.dumps(measure(a.corpus), indent=1))


if __name__ == "__main__":
    sys.exit(main())
