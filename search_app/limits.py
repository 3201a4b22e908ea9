"""What one request may ask, defined once: the query parser, the searcher, the web parameters and
the settings' defaults (config.py, overridable for the web layer) read these."""
from __future__ import annotations

MAX_QUERY_LENGTH = 200   # characters of a query (the parser's bound; the web's default)
MAX_WORDS = 20           # distinct words, OR alternatives, exclusions and filters included: each costs a posting scan
MAX_FILTERS = 8          # distinct filters (部门:… 年份:…) in one query: each may stand for thousands of documents
MAX_FILTER_LENGTH = 200  # characters of a dept= or doc= parameter
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 50
MAX_PAGE = 1000          # deeper pages are never useful and cost a large top-k collect
SUGGEST_LIMIT = 8        # autocomplete suggestions
