"""Per-file checksums of an index generation, as Lucene's footer checksums: written at build,
checked when the generation is opened, rolled back to, or asked after by /healthz.

    gen-…/checksums.json   {"algorithm": "crc32", "files": {name: {"size": bytes, "crc32": "8 hex"}}}

Two depths: `check_sizes` (every listed file present with its size: a stat per file, done on every
open) and `verify` (every byte read back through zlib.crc32: about 0.5 s for the 360 MB law index
from the page cache, done by `policy-index rollback` and `check-index`, and by a server in a
background thread after it opens a generation, and again when a file's identity changes).
A generation written before checksums existed has no such file: it is opened unchecked.
"""
from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

FILE = "checksums.json"
ALGORITHM = "crc32"
CHUNK = 1 << 20
REBUILD_HINT = "policy-index build"


class IndexDamaged(RuntimeError):
    """A generation's files do not match the checksums written at build; the message names the
    file and says how to rebuild."""


def _listed(gen: Path) -> list[Path]:
    return sorted(f for f in gen.iterdir() if f.is_file() and f.name != FILE
                  and not f.name.endswith(("WRITELOCK", ".tmp")))


def crc32(path: Path) -> int:
    value = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            value = zlib.crc32(chunk, value)
    return value


def write(gen: Path) -> dict:
    """Checksum every file of a finished generation (written beside, then renamed)."""
    gen = Path(gen)
    table = {"algorithm": ALGORITHM,
             "files": {f.name: {"size": f.stat().st_size, "crc32": f"{crc32(f):08x}"} for f in _listed(gen)}}
    tmp = gen / (FILE + ".tmp")
    tmp.write_text(json.dumps(table, indent=1), encoding="utf-8")
    os.replace(tmp, gen / FILE)
    return table


def _damaged(gen: Path, what: str) -> IndexDamaged:
    return IndexDamaged(f"the index generation {gen} is damaged ({what}); rebuild it with: {REBUILD_HINT}")


def load(gen: Path) -> dict | None:
    """The generation's checksum table; None for a generation built before checksums."""
    path = Path(gen) / FILE
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise _damaged(gen, f"{FILE} unreadable: {type(exc).__name__}") from None
    if not isinstance(table, dict) or table.get("algorithm") != ALGORITHM or not isinstance(table.get("files"), dict):
        raise _damaged(gen, f"{FILE} is not a checksum table")
    return table


def check_sizes(gen: Path, table: dict | None = None) -> bool:
    """Every listed file is there with its size (IndexDamaged if not); False when unchecked."""
    gen = Path(gen)
    table = load(gen) if table is None else table
    if table is None:
        return False
    for name, entry in table["files"].items():
        try:
            size = (gen / name).stat().st_size
        except OSError:
            raise _damaged(gen, f"{name} is missing") from None
        if size != entry.get("size"):
            raise _damaged(gen, f"{name} is {size} bytes, {entry.get('size')} when built")
    return True


def verify(gen: Path) -> bool:
    """Every listed file reads back with its size and checksum (IndexDamaged naming the first that
    does not); False when the generation has no checksums to verify."""
    gen = Path(gen)
    table = load(gen)
    if not check_sizes(gen, table):
        return False
    for name, entry in table["files"].items():
        try:
            value = f"{crc32(gen / name):08x}"
        except OSError as exc:
            raise _damaged(gen, f"{name} unreadable: {exc.strerror or exc}") from None
        if value != entry.get("crc32"):
            raise _damaged(gen, f"{name} fails its checksum")
    return True


def identity(gen: Path) -> tuple:
    """What changes when any file of the generation is rewritten in place (stat of each)."""
    out = []
    try:
        files = sorted(Path(gen).iterdir())
    except OSError:
        return ()
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        out.append((f.name, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)
