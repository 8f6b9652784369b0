"""The telephony settings form (admins) and what the page says about the PBX connection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from handlers.telephony.config import TelephonyConfig
from store import routing as routing_store

REGIONS = ("RU", "KZ", "BY", "UZ", "KG", "AM", "GE", "AZ", "UA", "DE", "US", "GB", "TR", "AE",
           "CN")
ZONES = ("Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg",
         "Asia/Omsk", "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk",
         "Asia/Vladivostok", "Asia/Magadan", "Asia/Kamchatka", "Asia/Almaty", "Europe/Minsk",
         "Asia/Tashkent", "Europe/Berlin", "UTC")
NUMBERS = {  # field -> (type, error key)
    "callback_minutes": (int, "calls.error.callback_minutes"),
    "ring_seconds": (int, "calls.error.ring_seconds"),
    "long_call_seconds": (int, "calls.error.long_call_seconds"),
    "workday_hours": (float, "calls.error.workday_hours"),
}


@dataclass(frozen=True)
class PbxSection:
    url: str
    has_secret: bool
    hint: str


def parse_settings(form: Mapping[str, str]) -> tuple[TelephonyConfig, dict[str, str]]:
    """The typed form -> settings, and an error key per field that is not right."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {
        "region": (form.get("region") or "").strip().upper(),
        "timezone": (form.get("timezone") or "").strip(),
    }
    for name, (kind, key) in NUMBERS.items():
        raw = (form.get(name) or "").strip().replace(",", ".")
        try:
            values[name] = kind(raw)
        except ValueError:
            errors[name] = key
            values[name] = getattr(TelephonyConfig(), name)
    cfg = TelephonyConfig(**values)  # type: ignore[arg-type]
    for problem in cfg.validate():
        errors.setdefault(problem, f"calls.error.{problem}")
    return cfg, errors


def pbx_section(session: Session, portal_id: int, member_id: str, public_url: str) -> PbxSection:
    row = routing_store.find_pbx_secret(session, portal_id)
    return PbxSection(url=f"{public_url.rstrip('/')}/pbx/{member_id}/calls",
                      has_secret=row is not None, hint=row.hint if row else "")
