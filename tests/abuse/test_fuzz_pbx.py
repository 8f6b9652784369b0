"""Fuzzing the PBX API: calls, route and progress, with every secret/portal combination.

Property: never a 500 or a logged exception; a refused request changes nothing; nothing is
accepted without the secret of the portal named in the URL.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.abuse.conftest import ABUSE
from tests.abuse.strategies import CHARS, JSON, ODD

CALL_FIELDS = {"call_id": ("pbx-1", "x" * 101), "direction": ("in", "out", "sideways"),
               "phone": ("+7 916 555-01-02", "no digits"), "line": ("+74951234567",),
               "started_at": ("2026-03-11T10:00:00+03:00", "2026-03-11T10:00:00",
                              "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00-14:00"),
               "answered_at": ("2026-03-11T10:00:04+03:00", None),
               "ended_at": ("2026-03-11T10:03:00+03:00", "2026-03-11T09:00:00+03:00"),
               "user_id": ("11", 11, 0, -1, True, "²", "١١", 10**30, 2**63, 1.5),
               "extension": ("111", 111),
               "record_url": ("https://pbx.example/r.mp3", "javascript:alert(1)", "file:///etc")}


@st.composite
def call_bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["fields", "json", "raw"]))
    if kind == "raw":
        return draw(st.one_of(st.binary(max_size=200), st.sampled_from([
            b"", b"{", b"\xff\xfe{}", b'{"call_id": "\x00"}', b"[1,2]", b"null", b"1e999",
            b'{"a":' * 2000 + b"1" + b"}" * 2000, "{\"call_id\": \"ü\"}".encode("latin-1")])))
    if kind == "json":
        return json.dumps(draw(JSON)).encode()
    body = {name: draw(st.one_of(st.sampled_from(values), ODD, JSON, st.none()))
            for name, values in CALL_FIELDS.items() if draw(st.integers(0, 9)) > 0}
    return json.dumps(body, default=str).encode()


# Python's json (and so Flask's get_json) reads these as float infinity / NaN.
OVERFLOWING = [b'{"step": 1e400}', b'{"step": 1, "duration": Infinity}', b'{"step": NaN}',
               b'{"step": 1, "answered_by": -Infinity}']


def secrets(tenants: Any) -> st.SearchStrategy[str | None]:
    a, b = tenants
    header = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)
    return st.one_of(st.sampled_from([a.pbx_secret, b.pbx_secret, a.pbx_secret + " ",
                                      a.pbx_secret.upper(), "", "\x00"]), header, st.none())


def members(tenants: Any) -> st.SearchStrategy[str]:
    a, b = tenants
    return st.one_of(st.sampled_from([a.member_id, b.member_id, "%00", "x" * 300]),
                     st.text(st.characters(codec="ascii", exclude_characters="/?#%"),
                             min_size=1, max_size=20))


def _owns(tenants: Any, member_id: str, secret: str | None) -> bool:
    return any(t.member_id == member_id and t.pbx_secret == secret for t in tenants)


def _post(client: Any, url: str, body: bytes, secret: str | None,
          content_type: str) -> Any:
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers["X-PBX-Secret"] = secret
    return client.post(url, data=body, headers=headers)


CONTENT_TYPES = st.sampled_from(["application/json", "application/json; charset=latin-1",
                                 "text/plain", "application/x-www-form-urlencoded",
                                 "application/json; charset=utf-16"])


def test_fuzz_pbx_calls(client, tenants, probe) -> None:
    @ABUSE
    @given(member=members(tenants), secret=secrets(tenants), body=call_bodies(),
           content_type=CONTENT_TYPES)
    def check(member: str, secret: str | None, body: bytes, content_type: str) -> None:
        probe.start()
        response = _post(client, f"/pbx/{member}/calls", body, secret, content_type)
        probe.check(response)
        if not _owns(tenants, member, secret):
            assert response.status_code in (400, 401, 404), response.data[:200]
    check()


@st.composite
def route_bodies(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return json.dumps({"caller": draw(st.one_of(ODD, JSON, st.text(CHARS, max_size=80))),
                           "line": draw(st.one_of(ODD, JSON))}).encode()
    return draw(st.one_of(st.binary(max_size=100), JSON.map(lambda v: json.dumps(v).encode())))


def test_fuzz_pbx_route(client, tenants, probe) -> None:
    @ABUSE
    @given(member=members(tenants), secret=secrets(tenants), body=route_bodies(),
           content_type=CONTENT_TYPES)
    def check(member: str, secret: str | None, body: bytes, content_type: str) -> None:
        probe.start()
        response = _post(client, f"/pbx/{member}/route", body, secret, content_type)
        probe.check(response)
        if not _owns(tenants, member, secret):
            assert response.status_code in (400, 401, 404), response.data[:200]
    check()


def test_fuzz_pbx_progress(client, tenants, probe) -> None:
    """Progress of a real routed call and of made-up ids, with hostile reports."""
    a, _ = tenants
    routed = client.post(f"/pbx/{a.member_id}/route", json={"caller": "+79161234567"},
                         headers={"X-PBX-Secret": a.pbx_secret})
    assert routed.status_code == 200
    real_id = routed.json["routing_id"]
    report = st.fixed_dictionaries({}, optional={
        "step": st.one_of(st.integers(-5, 10**12), ODD, JSON),
        "answered_by": st.one_of(st.integers(-5, 10**20), ODD, JSON),
        "finished": st.one_of(st.booleans(), ODD, JSON),
        "duration": st.one_of(st.integers(-5, 10**20), st.floats(), ODD)})

    @ABUSE
    @given(member=members(tenants), secret=secrets(tenants),
           routing_id=st.one_of(st.just(real_id), st.text(
               st.characters(codec="ascii", exclude_characters="/?#%"), min_size=1,
               max_size=80)),
           body=st.one_of(report.map(lambda r: json.dumps(r, default=str).encode()),
                          st.binary(max_size=50), st.sampled_from(OVERFLOWING)),
           content_type=CONTENT_TYPES)
    def check(member: str, secret: str | None, routing_id: str, body: bytes,
              content_type: str) -> None:
        probe.start()
        response = _post(client, f"/pbx/{member}/route/{routing_id}/progress", body, secret,
                         content_type)
        probe.check(response)
        if not _owns(tenants, member, secret):
            assert response.status_code in (400, 401, 404), response.data[:200]
    check()


def test_pbx_numbers_that_python_cannot_take_are_400(client, tenants, probe) -> None:
    """Regression: "²" passes str.isdigit() but not int(); 1e400 is float infinity; a user id
    beyond 64 bits does not fit the column. Each was a 500 before."""
    a, _ = tenants
    headers = {"X-PBX-Secret": a.pbx_secret, "Content-Type": "application/json"}
    call = {"call_id": "pbx-1", "direction": "in", "phone": "+79161234567", "line": "1",
            "started_at": "2026-03-11T10:00:00+03:00", "ended_at": "2026-03-11T10:03:00+03:00"}
    routed = client.post(f"/pbx/{a.member_id}/route", json={"caller": "+79161234567"},
                         headers=headers).json["routing_id"]
    cases = [(f"/pbx/{a.member_id}/calls", json.dumps({**call, "user_id": bad}).encode())
             for bad in ("²", 10**30, 2**63)]
    cases += [(f"/pbx/{a.member_id}/route/{routed}/progress", body) for body in OVERFLOWING]
    for url, body in cases:
        probe.start()
        response = client.post(url, data=body, headers=headers)
        assert response.status_code == 400, (body, response.status_code)
        probe.check(response)
