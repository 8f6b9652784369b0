"""The audit queue page over a seeded mirror: times in the portal's zone, not in UTC."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from handlers.telephony import config as telephony_config
from store import audits
from tests.unit.test_pages import ANNA, OWNER, portal, text, token  # noqa: F401

REJECTED = datetime(2026, 11, 24, 8, 5, tzinfo=UTC)  # 11:05 in Moscow, 13:05 in Yekaterinburg


def reject(s, pid: int) -> None:
    row = audits.record_rejection(s, pid, key="deal:7", values={
        "entity_type": "deal", "b24_entity_id": 7, "title": "Окна", "stage_id": "LOSE",
        "manager_id": ANNA, "rejected_at": REJECTED,
        "evidence": {"calls": 0, "activities": 0, "comments": 0, "minutes_since_claim": 12}})
    row.state = "open"
    s.commit()


@pytest.mark.parametrize(("zone", "shown"), [("Europe/Moscow", "24.11.2026, 11:05"),
                                             ("Asia/Yekaterinburg", "24.11.2026, 13:05")])
def test_rejection_time_is_in_the_portal_zone(client, app, portal, sessions,  # noqa: F811
                                              zone, shown) -> None:
    with sessions() as s:
        reject(s, portal.id)
        cfg = replace(telephony_config.load(s, portal.id), timezone=zone)
        telephony_config.save(s, portal.id, cfg, user_id=OWNER, now=REJECTED)
        s.commit()
    page = client.get(f"/app/audits?s={token(app, portal, OWNER, admin=True)}").text
    when = text(re.search(r"data-rejected-at>(.*?)</span>", page).group(1))
    assert when.strip() == shown and "UTC" not in when
