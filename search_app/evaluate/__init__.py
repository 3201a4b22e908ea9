"""The evaluator lives in indexer/engine/evaluate.py (the index engine owns what reads postings);
importing this name gives that very module."""
import sys

from indexer.engine import evaluate as _evaluate

sys.modules[__name__] = _evaluate
