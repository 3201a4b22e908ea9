"""`make install` is quiet: every folder Python can import is declared, so setuptools does not print
its 'Package … is absent from the packages configuration' warning for each data folder."""
from __future__ import annotations

import warnings

from tests.conftest import ROOT


def test_data_folders_are_declared_packages_with_their_files():
    from setuptools.config.setupcfg import read_configuration
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = read_configuration(str(ROOT / "setup.cfg"))
    packages = set(config["options"]["packages"])
    importable = {p.relative_to(ROOT).as_posix().replace("/", ".")
                  for top in ("indexer", "search_app") for p in [ROOT / top, *(ROOT / top).rglob("*")]
                  if p.is_dir() and p.name != "__pycache__"}
    assert importable <= packages, importable - packages
    assert {"indexer.data", "search_app.static", "search_app.templates"} <= packages
    assert not any("__pycache__" in p for p in packages)
    assert "data/*.txt" in config["options"]["package_data"]["indexer"]
