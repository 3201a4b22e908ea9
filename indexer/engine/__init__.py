"""The index engine: everything that knows Whoosh and jieba.

- `patches.install()`: Whoosh's fixes and jieba's speedups, with a check of their versions;
- `whoosh_fixes`, `jieba_speedups`: those changes, each tested against the original behaviour;
- `segment_writer`: the posting pool, field writer and codec our writers use;
- `index`: creating, opening and writing index folders (our codec on writers only).
"""
from __future__ import annotations

from .patches import EngineVersionError, check_versions, install, installed

__all__ = ["EngineVersionError", "check_versions", "install", "installed"]
