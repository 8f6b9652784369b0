"""Hypothesis strategies for hostile input: bracketed form keys, odd text, broken JSON."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Any encodable character (no lone surrogates: they cannot be sent at all), NUL included.
CHARS = st.characters(codec="utf-8")
SHORT = st.text(CHARS, max_size=12)
ODD = st.sampled_from(["", "\x00", "\x00" * 3, "0", "-1", "1e400", "nan", "inf", "²", "١٢",
                       "99999999999999999999999999", "<script>alert(1)</script>", "' OR 1=1--",
                       "../../etc/passwd", "Y", "N", "[]", "{}", "null", "true", " ", "\u202e",
                       "9999-12-31", "0001-01-01", "2026-02-30", "+7 (916) 555-01-02"])
VALUE = st.one_of(ODD, st.text(CHARS, max_size=40), st.integers().map(str),
                  st.text(CHARS, min_size=2000, max_size=4000))
BRACKET_TAIL = st.sampled_from(["", "[", "]", "[]", "][", "[[x]]", "[0]", "[]" * 10])


def bracket_key(head: st.SearchStrategy[str] = SHORT) -> st.SearchStrategy[str]:
    """`head[part][part]...tail`: PHP-style nested keys, some of them broken."""
    return st.builds(lambda h, parts, tail: h + "".join(f"[{p}]" for p in parts) + tail,
                     head, st.lists(SHORT, max_size=12), BRACKET_TAIL)


def extra_pairs(max_size: int = 6) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.one_of(bracket_key(), bracket_key(st.sampled_from(
        ["data", "auth", "event", "ts", "data[FIELDS]"]))), VALUE, max_size=max_size)


def pick(*choices: Any) -> st.SearchStrategy[Any]:
    """One of the given values, or a hostile one, or absent (None)."""
    return st.one_of(st.sampled_from(choices), VALUE, st.none())


JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                        st.text(CHARS, max_size=30), ODD)
JSON = st.recursive(JSON_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(CHARS, max_size=10), inner, max_size=4)),
    max_leaves=12)


def form(pairs: dict[str, Any]) -> dict[str, str]:
    """Drop the absent (None) fields."""
    return {key: value for key, value in pairs.items() if value is not None}
