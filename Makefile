# policy-search: `make run` serves search on the index (built from the corpus when stale);
# `make update` re-indexes what a librarian changed in corpus/ (the running server follows);
# `make test` installs everything the tests need and runs them all; `make test-fast` is the inner
# loop (no real servers, browsers, kill -9 or whole-corpus reads: well under a minute).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
INDEX  ?= index
HOST   ?= 127.0.0.1
PORT   ?= 5000
# The real collection of laws is indexed beside corpus/ when it is there (../shared is given, not copied;
# POLICY_SEARCH_LAWS names another place, for the tests too).
LAWS   ?= $(or $(POLICY_SEARCH_LAWS),../shared/corpora/laws)
CORPUS_OPTS = --corpus corpus $(if $(wildcard $(LAWS)),--corpus $(LAWS),)
# indexing processes: auto = one per core
PROCS  ?= auto
# server processes for `make run` (policy-search serve --workers): one per core
WORKERS ?= $(shell nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

.PHONY: run update test test-fast lint install system-deps index eval bench clean

$(BIN)/.installed: setup.cfg requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.txt -e '.[test]'
	touch $@

install: $(BIN)/.installed

# Debian packages for the browser tests: chromium and CJK fonts (never a downloaded browser).
system-deps:
	@if command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	else echo "note: install chromium and fonts-noto-cjk (Debian) for the browser tests" >&2; fi

BUILD_IF_STALE = $(BIN)/policy-index build --if-stale --skip-bad $(CORPUS_OPTS) --index $(INDEX) --procs $(PROCS)

index: install
	$(BUILD_IF_STALE)

# With an index already there the server starts at once on it, and a stale one is rebuilt beside it
# in the background at a lower priority (it says why); the server switches to the new index when it is verified.
# Without one, the first build runs before the server starts.
run: install
	@if [ -s $(INDEX)/CURRENT ]; then nice $(BUILD_IF_STALE) & else $(BUILD_IF_STALE) || exit 1; fi; \
	exec $(BIN)/policy-search serve --index $(INDEX) --host $(HOST) --port $(PORT) --workers $(or $(WORKERS),1)

# after editing corpus/: re-index only what changed, with the folders and options the index was
# built with (policy-index update reads them from the index)
update: install
	$(BIN)/policy-index update --index $(INDEX)

# ruff on the whole tree, mypy on the index engine (both configured in pyproject.toml)
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test: install system-deps lint
	$(BIN)/pytest

# the markers are registered in setup.cfg; anything after PYTEST= goes to pytest (e.g. PYTEST=tests/search)
FAST_MARKERS = not slow and not browser and not server and not crash
test-fast: install lint
	$(BIN)/pytest -q -m "$(FAST_MARKERS)" $(PYTEST)

eval: install
	$(BIN)/policy-index build --if-stale --corpus corpus --index .eval-index
	$(BIN)/python ../shared/eval/score.py ../shared/eval/dev_queries.tsv -- \
	  $(BIN)/policy-search query --index .eval-index --json --limit 10

bench: install
	$(BIN)/python benchmarks/bench_build.py

clean:
	rm -rf $(VENV) .eval-index .pytest_cache
	find $(INDEX) -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
