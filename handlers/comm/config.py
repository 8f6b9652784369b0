"""Settings of the communication checks (section "comm"), edited on the «Общение» tab."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from quality.phrases import DEFAULT_FORBIDDEN, DEFAULT_REJECTION
from quality.text import TextRules
from store.settings import load_section, save_section

SECTION = "comm"


@dataclass
class CommConfig:
    reply_target_minutes: int = 60  # working minutes to the first reply
    allowed_words: list[str] = field(default_factory=list)  # product names, brands, jargon
    forbidden: list[str] = field(default_factory=lambda: list(DEFAULT_FORBIDDEN))
    rejection: list[str] = field(default_factory=lambda: list(DEFAULT_REJECTION))
    talk_turns: int = 4  # a transcript with this many client lines is a conversation

    def rules(self, extra_words: tuple[str, ...] = ()) -> TextRules:
        """Text rules with the managers' own names allowed too."""
        return TextRules(tuple(self.allowed_words) + extra_words, tuple(self.forbidden),
                         tuple(self.rejection))

    def validate(self) -> list[str]:
        problems = []
        if not 1 <= self.reply_target_minutes <= 24 * 60:
            problems.append("reply_target_minutes")
        if not 1 <= self.talk_turns <= 50:
            problems.append("talk_turns")
        return problems


def from_dict(data: dict[str, Any]) -> CommConfig:
    known = {f.name for f in dataclasses.fields(CommConfig)}
    return CommConfig(**{k: v for k, v in data.items() if k in known})


def load(session: Session, portal_id: int) -> CommConfig:
    return from_dict(load_section(session, portal_id, SECTION))


def save(session: Session, portal_id: int, cfg: CommConfig, *, user_id: int | None,
         now: datetime) -> None:
    save_section(session, portal_id, SECTION, dataclasses.asdict(cfg), user_id=user_id, now=now)
