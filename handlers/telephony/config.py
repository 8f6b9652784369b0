"""The telephony settings a head of sales tunes (section "telephony" of the portal settings).

The PBX secret is not here: one secret per portal serves every PBX endpoint (routing and call
intake), kept hashed by store.routing (issue_pbx_secret / check_pbx_secret).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from sqlalchemy.orm import Session

from handlers.phones import normalize
from store.settings import load_section, save_section

SECTION = "telephony"
MOSCOW = timezone(timedelta(hours=3), "MSK")  # fixed +03:00 since 2014; used without tzdata


@dataclass
class TelephonyConfig:
    region: str = "RU"               # numbers without a country code are read in this region
    callback_minutes: int = 15       # a missed call called back later than this is lost
    ring_seconds: int = 6            # "answered within 3 rings" (a ring cycle is ~2 s)
    long_call_seconds: int = 180     # an outgoing call this long counts as a real conversation
    workday_hours: float = 8.0       # talk time is shown as a share of this
    timezone: str = "Europe/Moscow"  # days and hours of the reports

    def validate(self) -> list[str]:
        problems = []
        if self.region not in phonenumbers.SUPPORTED_REGIONS:
            problems.append("region")
        if not 1 <= self.callback_minutes <= 24 * 60:
            problems.append("callback_minutes")
        if not 1 <= self.ring_seconds <= 120:
            problems.append("ring_seconds")
        if not 10 <= self.long_call_seconds <= 3 * 3600:
            problems.append("long_call_seconds")
        if not 1 <= self.workday_hours <= 24:
            problems.append("workday_hours")
        if zone(self.timezone) is None:
            problems.append("timezone")
        return problems

    @property
    def tz(self) -> tzinfo:
        return zone(self.timezone) or MOSCOW


def zone(name: str) -> tzinfo | None:
    """An IANA zone, or None; Moscow works even on a machine without tzdata."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return MOSCOW if name == "Europe/Moscow" else None


def from_dict(data: dict[str, Any]) -> TelephonyConfig:
    known = {f.name for f in dataclasses.fields(TelephonyConfig)}
    return TelephonyConfig(**{k: v for k, v in data.items() if k in known})


def load(session: Session, portal_id: int) -> TelephonyConfig:
    return from_dict(load_section(session, portal_id, SECTION))


def phone_normalizer(session: Session, portal_id: int) -> Callable[[str], str]:
    """normalize() in the portal's region, for every place a phone number is stored."""
    return functools.partial(normalize, region=load(session, portal_id).region)


def save(session: Session, portal_id: int, cfg: TelephonyConfig, *, user_id: int | None,
         now: datetime) -> None:
    problems = cfg.validate()
    if problems:
        raise ValueError("invalid telephony settings: " + ", ".join(problems))
    save_section(session, portal_id, SECTION, dataclasses.asdict(cfg), user_id=user_id, now=now)
