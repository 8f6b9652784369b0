"""A pybabel extractor for the app's keys: `t("key")` / `t(lang, "key")` in code and templates.

Jinja's own extractor only sees bare `_()`/`gettext()` calls, not the templates' `k.t("…")`, and
Python's skips `i18n.t(lang, "…")` (its first argument is not a string), so both go through
this one pattern (babel.cfg). tests/unit/test_i18n_catalogs.py uses it too. `main()` writes
the template `make i18n-update` merges from (`.venv/bin/python -m tools.i18n_extract`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LITERAL_KEY = re.compile(
    r"""\bt\(\s*(?:lang\s*,\s*)?["']([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)["']""")
STAMP = datetime(2026, 1, 1, tzinfo=UTC)  # fixed: a re-run must not change a byte


def keys(text: str) -> Iterator[tuple[int, str]]:
    """(line number, key) of every literal key in `text`."""
    for match in LITERAL_KEY.finditer(text):
        yield text.count("\n", 0, match.start()) + 1, match.group(1)


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
            options: dict[str, Any]) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extractor interface (babel.messages.extract)."""
    for line, key in keys(fileobj.read().decode(options.get("encoding", "utf-8"))):
        yield line, "t", key, []


def template(extracted: Path, catalog: Path) -> Catalog:
    """messages.pot for `pybabel update`: the keys `pybabel extract` found plus every key the
    catalog already holds, so that keys built at run time (f"err.{key}") are never made
    obsolete by an update; plural entries keep their msgid_plural."""
    with extracted.open("rb") as fh:
        found = read_po(fh)
    with catalog.open("rb") as fh:
        held = read_po(fh)
    out = Catalog(domain="messages", project="Sales Guard", version="1",
                  creation_date=STAMP, fuzzy=False, charset="utf-8", msgid_bugs_address="-")
    for message in sorted([*found, *held], key=_sort_key):
        if message.id and message.id not in out:
            out.add(message.id)
    return out


def _sort_key(message: Any) -> str:
    """A plural entry's id is (msgid, msgid_plural): sort it by its msgid, as pybabel does."""
    return message.id if isinstance(message.id, str) else message.id[0]


def main() -> None:
    """`make i18n-update`: write translations/messages.pot from extracted.pot and the ru .po."""
    folder = Path("translations")
    pot = template(folder / "extracted.pot", folder / "ru" / "LC_MESSAGES" / "messages.po")
    with (folder / "messages.pot").open("wb") as fh:
        write_po(fh, pot, width=100, no_location=True)


if __name__ == "__main__":
    main()
