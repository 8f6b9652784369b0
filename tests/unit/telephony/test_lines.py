"""Line names: read from the portal at most daily, shown by the pages instead of raw ids."""

from __future__ import annotations

import re
from datetime import timedelta

import responses

from b24.client import B24Client
from b24.tokens import MemoryTokens
from handlers.telephony import lines
from tests.unit.b24.conftest import ENDPOINT, FakeOAuth, token_set
from tests.unit.telephony.test_calls_page import (  # noqa: F401
    HEAD,
    NOW,
    add,
    portal,
    span,
    text,
    token,
)


def test_read_takes_both_kinds_of_line_and_survives_a_refusal() -> None:
    with responses.RequestsMock() as rsps:
        rsps.post(f"{ENDPOINT}voximplant.line.get.json",
                  json={"result": {"reg150908": "Отдел продаж", "sip7": "Офисная АТС"}})
        rsps.post(f"{ENDPOINT}telephony.externalLine.get.json", status=403,
                  json={"error": "ACCESS_DENIED", "error_description": "Access denied!"})
        with B24Client(MemoryTokens(token_set(1), FakeOAuth())) as b24:
            assert lines.read(b24) == {"reg150908": "Отдел продаж", "sip7": "Офисная АТС"}
    with responses.RequestsMock() as rsps:
        rsps.post(f"{ENDPOINT}voximplant.line.get.json", json={"result": {}})
        rsps.post(f"{ENDPOINT}telephony.externalLine.get.json", json={"result": [
            {"NUMBER": "+74951234567", "NAME": "Реклама в метро", "CRM_AUTO_CREATE": "N"},
            {"NUMBER": "+74957654321", "NAME": "+74957654321", "CRM_AUTO_CREATE": "Y"}]})
        with B24Client(MemoryTokens(token_set(1), FakeOAuth())) as b24:
            assert lines.read(b24) == {"+74951234567": "Реклама в метро"}


def test_names_are_read_again_after_a_day(sessions, portal) -> None:  # noqa: F811
    with sessions() as s:
        assert lines.due(s, portal.id, NOW)
        lines.save(s, portal.id, {"reg150908": "Отдел продаж"}, NOW)
        s.commit()
        assert not lines.due(s, portal.id, NOW + timedelta(hours=23))
        assert lines.due(s, portal.id, NOW + timedelta(days=1))
        assert lines.names(s, portal.id) == {"reg150908": "Отдел продаж"}


def test_calls_page_names_the_lines(client, app, portal, sessions) -> None:  # noqa: F811
    with sessions() as s:
        add(s, portal.id, 60, minutes_ago=50, phone="+79165550000", answered=False)
        from store.models import Call
        row = s.query(Call).filter_by(call_id="call-60").one()
        row.line = "reg150908"
        lines.save(s, portal.id, {"reg150908": "Отдел продаж, +7 495 150-90-08"}, NOW)
        s.commit()
    html = client.get("/app/calls", query_string={"s": token(app, portal, HEAD, admin=True),
                                                  **span()}).get_data(as_text=True)
    by_line = re.search(r'<tr data-line="reg150908"><td>([^<]*)</td>', html)
    assert by_line and by_line.group(1) == "Отдел продаж, +7 495 150-90-08"
    assert "Отдел продаж, +7 495 150-90-08" in text(html)  # the channels chart and the list
    assert ">reg150908<" not in html
    assert re.search(r'<tr data-line="\+74950000001"><td>\+7 495 000-00-01</td>', html)
