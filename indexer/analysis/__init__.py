"""The analyzer lives in indexer/engine/analysis.py; this name stays because every index
pickles its analyzer as `indexer.analysis.JiebaTokenizer` … (the on-disk format): importing it
gives that very module."""
import sys

from indexer.engine import analysis as _analysis

sys.modules[__name__] = _analysis
