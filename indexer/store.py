"""The index folder: complete generations side by side, and an atomic pointer to the live one.

    index/CURRENT     name of the live generation (replaced atomically with os.replace)
    index/PREVIOUS    the last good generation before it, for rollback
    index/gen-…/      one complete Whoosh index + manifest.json + synonyms.json + checksums.json
                      + its term arrays (engine/term_arrays.py: postings as .npy, for searching)
    index/.lock       serialises builders (filelock)

Readers only ever follow CURRENT to a generation that was verified before CURRENT named it, so
a builder killed at any point leaves the live index whole.
"""
from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .engine.term_arrays import is_term_array_file


class IndexBusy(RuntimeError):
    """Another build or update holds the index lock."""


class IndexStore:
    def __init__(self, root):
        self.root = Path(root)
        self._pointers: dict[str, tuple] = {}   # name → (the file's identity when read, its value)

    # -- pointers ---------------------------------------------------------------------------
    def _read_pointer(self, name: str) -> str | None:
        """The pointer file's generation name. A server asks on every request: the file is read
        again only when its identity (inode, size, modification time) has changed, which every
        os.replace of it does."""
        path = self.root / name
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        identity = (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns)
        known = self._pointers.get(name)
        if known is not None and known[0] == identity:
            return known[1]
        value = self._parse_pointer(path)
        self._pointers[name] = (identity, value)
        return value

    @staticmethod
    def _parse_pointer(path: Path) -> str | None:
        try:
            value = path.read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
            return None   # absent or garbage: as if there were no index (a build writes a new one)
        if not value or "/" in value or value in (".", "..") or not value.startswith("gen-"):
            return None
        return value

    def _write_pointer(self, name: str, value: str | None) -> None:
        path = self.root / name
        if value is None:
            path.unlink(missing_ok=True)
            return
        tmp = self.root / f".{name}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(value + "\n", encoding="utf-8")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    @property
    def current(self) -> Path | None:
        name = self._read_pointer("CURRENT")
        return self.root / name if name else None

    @property
    def previous(self) -> Path | None:
        name = self._read_pointer("PREVIOUS")
        return self.root / name if name else None

    def manifest(self, gen: Path | None = None) -> dict | None:
        gen = gen or self.current
        if gen is None:
            return None
        try:
            return json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):   # missing or damaged: no usable index
            return None

    # -- generations ------------------------------------------------------------------------
    def new_generation(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        gen = self.root / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        gen.mkdir()
        return gen

    def copy_generation(self, source: Path) -> Path:
        """A new generation sharing the source's segment files by hard link (Whoosh never rewrites
        a file); its manifest and term arrays are its own, written when it is finished."""
        gen = self.new_generation()
        for f in source.iterdir():
            if f.is_file() and not f.name.endswith(("WRITELOCK", ".json")) and not is_term_array_file(f.name):
                try:
                    os.link(f, gen / f.name)
                except OSError:
                    shutil.copy2(f, gen / f.name)
        return gen

    def publish(self, gen: Path) -> None:
        """Make a verified generation live; the old live one becomes PREVIOUS."""
        old = self._read_pointer("CURRENT")
        if old and old != gen.name:
            self._write_pointer("PREVIOUS", old)
        self._write_pointer("CURRENT", gen.name)
        self.prune()

    def rollback(self) -> Path:
        """Make PREVIOUS live, after checking every byte of it against its checksums
        (checksums.IndexDamaged, nothing switched, when they do not match)."""
        prev, cur = self._read_pointer("PREVIOUS"), self._read_pointer("CURRENT")
        if not prev or not (self.root / prev).is_dir():
            raise FileNotFoundError(f"no previous index to roll back to in {self.root}")
        from . import checksums
        checksums.verify(self.root / prev)
        self._write_pointer("CURRENT", prev)
        self._write_pointer("PREVIOUS", cur)
        return self.root / prev

    def prune(self, keep_seconds: float = 60.0) -> None:
        """Remove generations that are neither live nor previous (old ones after a grace period,
        so a server still reading one can finish its requests)."""
        keep = {self._read_pointer("CURRENT"), self._read_pointer("PREVIOUS")}
        now = time.time()
        for gen in self.root.glob("gen-*"):
            if gen.name in keep or not gen.is_dir():
                continue
            if now - gen.stat().st_mtime > keep_seconds:
                shutil.rmtree(gen, ignore_errors=True)

    def discard(self, gen: Path) -> None:
        shutil.rmtree(gen, ignore_errors=True)

    @contextmanager
    def lock(self, timeout: float = 0):
        """Hold the builders' lock; IndexBusy with a clear message when another holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / ".lock"), timeout=timeout)
        try:
            lock.acquire()
        except Timeout:
            raise IndexBusy(f"another policy-index build or update is running on {self.root} "
                            f"(lock file {self.root / '.lock'}); wait for it to finish and try again") from None
        try:
            yield
        finally:
            lock.release()
