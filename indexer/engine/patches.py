"""The library behaviour the engine changes, installed explicitly where a process starts.

`install()` checks that Whoosh and jieba are the versions the changes were written against, then
installs Whoosh's fixes (whoosh_fixes.py) and jieba's faster functions (jieba_speedups.py). It is
called by the command-line entry points, `create_app`, the build workers and the tests' conftest;
the engine's own open and create functions call it too, so no index is ever read or written by
unpatched code. Calling it again does nothing. The segment writer replaces nothing globally: its
codec is given to our writers only (segment_writer.WriterCodec).
"""
from __future__ import annotations

import threading

WHOOSH_VERSION = (2, 7, 4)
JIEBA_VERSION = "0.42.1"

_lock = threading.Lock()
_installed = False


class EngineVersionError(RuntimeError):
    """Whoosh or jieba is not the version the engine's patches were written for."""


def check_versions(whoosh_version=None, jieba_version=None) -> None:
    """Raise EngineVersionError naming the package, the version found and the one required."""
    if whoosh_version is None:
        import whoosh
        whoosh_version = tuple(whoosh.__version__)
    if jieba_version is None:
        import jieba
        jieba_version = jieba.__version__
    wrong = []
    if tuple(whoosh_version) != WHOOSH_VERSION:
        wrong.append(f"Whoosh {'.'.join(map(str, whoosh_version))} (written for {'.'.join(map(str, WHOOSH_VERSION))})")
    if jieba_version != JIEBA_VERSION:
        wrong.append(f"jieba {jieba_version} (written for {JIEBA_VERSION})")
    if wrong:
        raise EngineVersionError(f"the index engine's patches do not fit {' and '.join(wrong)}: install the "
                                 f"versions pinned in requirements.txt (pip install -c requirements.txt -e .)")


def install() -> None:
    """Check the versions, then install Whoosh's fixes and jieba's speedups (once per process)."""
    global _installed
    if _installed:
        return
    with _lock:
        if _installed:
            return
        check_versions()
        import jieba

        from . import jieba_speedups, whoosh_fixes
        jieba.setLogLevel(60)      # jieba's "Building prefix dict" lines are not ours to print
        whoosh_fixes.install()
        jieba_speedups.install()
        _installed = True


def installed() -> bool:
    return _installed
