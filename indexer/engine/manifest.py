"""The format version every generation's manifest.json carries, checked when an index is opened.

A build writes FORMAT; opening a generation whose manifest names another format fails with a
message saying to rebuild, instead of reading files this code does not understand. (A folder
with no manifest yet, such as a build's own part folders, is not checked.)
"""
from __future__ import annotations

import json
from pathlib import Path

FORMAT = 1      # raise it when the files or the manifest change in a way older code cannot read
MANIFEST = "manifest.json"


class IndexFormatError(RuntimeError):
    """The generation was written in a format this code does not read."""


def check_format(manifest: dict, where="the index") -> None:
    found = manifest.get("format")
    if found != FORMAT:
        raise IndexFormatError(f"{where} is in index format {found!r}; this program reads format {FORMAT}: "
                               f"rebuild it with policy-index build")


def check_folder(folder) -> None:
    """check_format() of the folder's manifest, when it has a readable one (a damaged manifest is
    the checksums' to report)."""
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(manifest, dict):
        check_format(manifest, str(folder))
