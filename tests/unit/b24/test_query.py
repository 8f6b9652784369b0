"""PHP bracket encoding for batch sub-calls and its inverse (property-tested round trip)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from b24.query import flatten, http_build_query, parse_query, scalar, split_key, unflatten


def test_nested_fields_lists_and_operators() -> None:
    query = http_build_query({"fields": {"TITLE": "Deal #1", "PHONE": [
        {"VALUE": "+7 999", "VALUE_TYPE": "WORK"}]}, "filter": {">ID": 5, "@STAGE_ID": ["A", "B"]}})
    assert query == ("fields[TITLE]=Deal+%231&fields[PHONE][0][VALUE]=%2B7+999"
                     "&fields[PHONE][0][VALUE_TYPE]=WORK&filter[%3EID]=5"
                     "&filter[%40STAGE_ID][0]=A&filter[%40STAGE_ID][1]=B")


def test_scalars_as_php_prints_them_and_none_as_empty() -> None:
    assert http_build_query({"a": True, "b": False, "c": None, "d": 1.5, "e": date(2026, 1, 2)}) \
        == "a=1&b=0&c=&d=1.5&e=2026-01-02"
    assert scalar(None) == "" and scalar(True) == "1"


def test_empty_containers_vanish_like_in_php() -> None:
    assert http_build_query({"select": [], "filter": {}, "id": 3}) == "id=3"


def test_references_survive_encoding() -> None:
    query = http_build_query({"filter": {">ID": "$result[p0][49][ID]"}})
    assert parse_query(query) == {"filter": {">ID": "$result[p0][49][ID]"}}


def test_parse_follows_parse_str() -> None:
    assert parse_query("a[]=1&a[]=2&b[x][]=3&c=%D0%AF&d[k]=v&d[k]=w") == {
        "a": ["1", "2"], "b": {"x": ["3"]}, "c": "Я", "d": {"k": "w"}}
    assert split_key("a[b][c]tail") == ["a", "b", "c"]
    assert split_key("plain") == ["plain"] and split_key("broken[x") == ["broken[x"]


def test_flatten_gives_readable_form_pairs() -> None:
    assert flatten({"auth": {"member_id": "m"}, "data": {"FIELDS": {"ID": 7}}}) == [
        ("auth[member_id]", "m"), ("data[FIELDS][ID]", "7")]


def test_unflatten_merges_nested_values() -> None:
    assert unflatten([("auth", {"member_id": "m"}), ("auth[domain]", "d")]) == {
        "auth": {"member_id": "m", "domain": "d"}}


keys = st.text(st.characters(blacklist_characters="[]", blacklist_categories=("Cs",)),
               min_size=1, max_size=8)
leaves = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
                   st.integers(), st.booleans(), st.none())
trees = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=20)


def normalise(value: Any) -> Any:
    """What PHP would hand the method: strings, no empty containers, 0..n-1 dicts as lists."""
    if isinstance(value, list):
        value = {str(i): item for i, item in enumerate(value)}
    if not isinstance(value, dict):
        return scalar(value)
    items = {str(k): normalise(v) for k, v in value.items()}
    items = {k: v for k, v in items.items() if v not in ({}, [])}
    if items and list(items) == [str(i) for i in range(len(items))]:
        return list(items.values())
    return items


@settings(derandomize=True, database=None, deadline=None, max_examples=300)
@given(st.dictionaries(keys, trees, max_size=5))
def test_round_trip(params: dict[str, Any]) -> None:
    assert parse_query(http_build_query(params)) == normalise(params)
