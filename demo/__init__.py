"""`make demo`: the real app against the emulated portal, over HTTP, on SQLite."""
