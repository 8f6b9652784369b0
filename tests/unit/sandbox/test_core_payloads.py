"""PHP bracket encoding both ways (EN:settings/how-to-call-rest-api/data-encoding.md)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from sandbox.payloads import build_query, event_form, flatten, parse_pairs, parse_query


def test_parse_pairs_nests_bracket_keys() -> None:
    parsed = parse_pairs([("fields[PHONE][0][VALUE]", "+7 900"), ("fields[TITLE]", "A"),
                          ("id", "5")])
    assert parsed == {"fields": {"PHONE": [{"VALUE": "+7 900"}], "TITLE": "A"}, "id": "5"}


def test_parse_pairs_appends_empty_brackets_and_makes_lists() -> None:
    parsed = parse_pairs([("select[]", "ID"), ("select[]", "TITLE"), ("filter[@ID][]", "1"),
                          ("filter[@ID][]", "2")])
    assert parsed == {"select": ["ID", "TITLE"], "filter": {"@ID": ["1", "2"]}}


def test_parse_pairs_keeps_maps_that_are_not_zero_based_sequences() -> None:
    assert parse_pairs([("a[1]", "x"), ("a[0]", "y")]) == {"a": {"1": "x", "0": "y"}}
    assert parse_pairs([("a[5]", "x"), ("a[]", "y")]) == {"a": {"5": "x", "6": "y"}}


def test_parse_pairs_last_value_wins_and_php_renames_dots() -> None:
    assert parse_pairs([("a", "1"), ("a", "2")]) == {"a": "2"}
    assert parse_pairs([("user.name", "x"), ("a b", "y")]) == {"user_name": "x", "a_b": "y"}
    assert parse_pairs([("a[b", "1")]) == {"a_b": "1"}


def test_parse_query_url_decodes() -> None:
    assert parse_query("filter%5B%3EID%5D=5&t=a%20b") == {"filter": {">ID": "5"}, "t": "a b"}


def test_flatten_follows_http_build_query() -> None:
    pairs = flatten({"fields": {"TITLE": "A", "IDS": [3, 4], "OK": True, "NO": False,
                                "NULL": None, "EMPTY": {}}})
    assert pairs == [("fields[TITLE]", "A"), ("fields[IDS][0]", "3"), ("fields[IDS][1]", "4"),
                     ("fields[OK]", "1"), ("fields[NO]", "0")]


def test_flatten_and_parse_round_trip() -> None:
    data = {"cmd": {"a": "crm.deal.get?id=1"}, "halt": "1", "list": ["x", "y"]}
    assert parse_pairs(parse_qsl(build_query(data))) == data


def test_event_form_has_the_documented_key_order() -> None:
    form = event_form("oncrmdealadd", {"FIELDS": {"ID": "7"}}, handler_id=3, ts=100,
                      auth={"domain": "d", "application_token": "t"})
    assert form == [("event", "ONCRMDEALADD"), ("event_handler_id", "3"),
                    ("data[FIELDS][ID]", "7"), ("ts", "100"), ("auth[domain]", "d"),
                    ("auth[application_token]", "t")]
