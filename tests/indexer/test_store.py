"""The index folder: generations side by side, CURRENT/PREVIOUS pointers swapped atomically,
and one builder at a time."""
from __future__ import annotations

import os
import time

import pytest

from indexer.store import IndexBusy, IndexStore


def fake_generation(store: IndexStore, marker: str):
    gen = store.new_generation()
    (gen / "manifest.json").write_text(f'{{"marker": "{marker}"}}', encoding="utf-8")
    return gen


def test_empty_folder_has_no_live_index(tmp_path):
    store = IndexStore(tmp_path / "index")
    assert store.current is None and store.previous is None and store.manifest() is None


def test_publish_points_current_at_the_generation(tmp_path):
    store = IndexStore(tmp_path)
    gen = fake_generation(store, "one")
    store.publish(gen)
    assert store.current == gen
    assert (tmp_path / "CURRENT").read_text(encoding="utf-8").strip() == gen.name
    assert store.previous is None
    assert store.manifest() == {"marker": "one"}


def test_the_pointer_is_read_once_until_another_process_replaces_it(tmp_path, monkeypatch):
    """A server asks for CURRENT on every request: it costs a stat, and a publish by another
    process (another IndexStore on the same folder) is seen on the next ask."""
    server, builder = IndexStore(tmp_path), IndexStore(tmp_path)
    first, second = fake_generation(builder, "one"), fake_generation(builder, "two")
    builder.publish(first)
    reads = []
    real = IndexStore._parse_pointer
    monkeypatch.setattr(IndexStore, "_parse_pointer", staticmethod(lambda path: reads.append(path) or real(path)))
    assert all(server.current == first for _ in range(50))
    assert len(reads) == 1
    builder.publish(second)
    assert server.current == second and server.previous == first
    builder.rollback()
    assert server.current == first
    (tmp_path / "CURRENT").unlink()
    assert server.current is None


def test_publishing_again_keeps_the_old_one_as_previous(tmp_path):
    store = IndexStore(tmp_path)
    first, second = fake_generation(store, "one"), fake_generation(store, "two")
    store.publish(first)
    store.publish(second)
    assert (store.current, store.previous) == (second, first)
    store.publish(second)  # re-publishing the live one must not lose the previous one
    assert (store.current, store.previous) == (second, first)


def test_rollback_swaps_current_and_previous(tmp_path):
    store = IndexStore(tmp_path)
    first, second = fake_generation(store, "one"), fake_generation(store, "two")
    store.publish(first)
    store.publish(second)
    assert store.rollback() == first
    assert (store.current, store.previous) == (first, second)
    assert store.manifest() == {"marker": "one"}
    store.rollback()
    assert (store.current, store.previous) == (second, first)


def test_rollback_without_previous_is_refused(tmp_path):
    store = IndexStore(tmp_path)
    gen = fake_generation(store, "one")
    store.publish(gen)
    with pytest.raises(FileNotFoundError, match="no previous index"):
        store.rollback()
    assert store.current == gen


def test_rollback_to_a_vanished_generation_is_refused(tmp_path):
    store = IndexStore(tmp_path)
    first, second = fake_generation(store, "one"), fake_generation(store, "two")
    store.publish(first)
    store.publish(second)
    store.discard(first)
    with pytest.raises(FileNotFoundError):
        store.rollback()
    assert store.current == second


def test_pointer_writes_leave_no_temporary_files(tmp_path):
    store = IndexStore(tmp_path)
    for marker in "abc":
        store.publish(fake_generation(store, marker))
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("gen-")) == ["CURRENT", "PREVIOUS"]


def test_prune_removes_only_stale_unreferenced_generations(tmp_path):
    """Neither live nor previous, and older than the grace period: removed. Servers may still read newer ones."""
    store = IndexStore(tmp_path)
    old_live, old_prev = fake_generation(store, "live"), fake_generation(store, "prev")
    stale, fresh = fake_generation(store, "stale"), fake_generation(store, "fresh")
    store.publish(old_prev)
    store.publish(old_live)
    long_ago = time.time() - 3600
    for gen in (old_live, old_prev, stale):
        os.utime(gen, (long_ago, long_ago))
    store.prune(keep_seconds=60)
    assert old_live.is_dir() and old_prev.is_dir() and fresh.is_dir()
    assert not stale.exists()


def test_copy_generation_shares_content(tmp_path):
    store = IndexStore(tmp_path)
    src = store.new_generation()
    (src / "_MAIN_1.toc").write_bytes(b"toc")
    (src / "MAIN_WRITELOCK").write_bytes(b"")
    copy = store.copy_generation(src)
    assert copy != src and copy.parent == tmp_path
    assert (copy / "_MAIN_1.toc").read_bytes() == b"toc"
    assert not (copy / "MAIN_WRITELOCK").exists()


def test_lock_held_elsewhere_raises_index_busy(tmp_path, lock_holder):
    """A second builder fails at once with a message saying what is going on and what to do."""
    holder = lock_holder(tmp_path)
    with pytest.raises(IndexBusy) as err:
        with IndexStore(tmp_path).lock():
            pass
    message = str(err.value)
    assert "another policy-index build or update is running" in message
    assert str(tmp_path) in message and "try again" in message
    holder.kill()
    holder.wait()
    with IndexStore(tmp_path).lock():  # released with its process
        pass


def test_lock_timeout_waits_for_the_other_builder(tmp_path, lock_holder):
    """With a timeout (--wait) the second builder waits its turn instead of failing."""
    holder = lock_holder(tmp_path, seconds=0.5)
    with IndexStore(tmp_path).lock(timeout=60):
        assert holder.wait(timeout=60) == 0
