"""A pybabel extractor for the app's keys: `t("key")` / `t(lang, "key")` in code and templates.

Jinja's own extractor only sees bare `_()`/`gettext()` calls, not the templates' `k.t("…")`, and
Python's skips `i18n.t(lang, "…")` (its first argument is not a string), so both go through
this one pattern (babel.cfg). tests/unit/test_i18n_catalogs.py uses it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

LITERAL_KEY = re.compile(
    r"""\bt\(\s*(?:lang\s*,\s*)?["']([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)["']""")


def keys(text: str) -> Iterator[tuple[int, str]]:
    """(line number, key) of every literal key in `text`."""
    for match in LITERAL_KEY.finditer(text):
        yield text.count("\n", 0, match.start()) + 1, match.group(1)


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
            options: dict[str, Any]) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extractor interface (babel.messages.extract)."""
    for line, key in keys(fileobj.read().decode(options.get("encoding", "utf-8"))):
        yield line, "t", key, []
