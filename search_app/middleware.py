"""WSGI middlewares the served app wears: the garbage collector kept off the loaded index,
and chunked bodies held to the app's size limit under gunicorn."""
from __future__ import annotations


class QuietGc:
    """A full pass of Python's cyclic garbage collector walks every live container: with an index
    generation loaded that takes 30-60 ms, during which the process answers nothing, and such
    passes come every few hundred requests (they were much of the p99 under load). The objects
    loaded at start are frozen (gc.freeze: never collected cyclically, still freed by reference
    counting). When the live generation changes, the first request after it unfreezes, collects
    (the generation retired before is garbage by then) and freezes again, so a rebuilt index
    leaks nothing."""

    CHECK_SECONDS = 1.0

    def __init__(self, app, store, gc=None):
        import threading
        if gc is None:
            import gc
        self.app, self.store, self.gc = app, store, gc
        self.lock = threading.Lock()
        self.pointer = self._pointer()
        self.next_check = 0.0
        gc.collect()
        gc.freeze()

    def _pointer(self):
        try:
            return self.store.current
        except Exception:  # noqa: BLE001 - an unreadable pointer: the searcher reports it
            return None

    def __call__(self, environ, start_response):
        try:
            return self.app(environ, start_response)
        finally:
            self._after_request()

    def _after_request(self) -> None:
        import time
        now = time.monotonic()
        if now < self.next_check or not self.lock.acquire(blocking=False):
            return
        try:
            self.next_check = now + self.CHECK_SECONDS
            pointer = self._pointer()
            if pointer != self.pointer:
                self.pointer = pointer
                self.gc.unfreeze()
                self.gc.collect()
                self.gc.freeze()
        finally:
            self.lock.release()


class BodyLimit:
    """Waitress refuses a request body over MAX_CONTENT_LENGTH itself, chunked ones included; under
    gunicorn the app sees no length for a chunked body. Read up to the limit (plus one byte) and
    hand the app a body of known length, so its own check answers 413 as it does under waitress."""

    def __init__(self, app, limit):
        self.app, self.limit = app, limit

    def __call__(self, environ, start_response):
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() and self.limit:
            import io
            data = environ["wsgi.input"].read(self.limit + 1)
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
            del environ["HTTP_TRANSFER_ENCODING"]   # else Werkzeug takes the length as unknown
        return self.app(environ, start_response)
