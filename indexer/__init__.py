"""policy-search indexer: corpus files → documents → clauses → analyzed Whoosh index."""
