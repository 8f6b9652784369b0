"""One manager's message checked at once: name, spelling, phrases (what the tab aggregates)."""

from __future__ import annotations

from dataclasses import dataclass, field

from quality import names, phrases, spelling


@dataclass(frozen=True)
class TextRules:
    allowed_words: tuple[str, ...] = ()  # product names, managers' names, the settings' list
    forbidden: tuple[str, ...] = phrases.DEFAULT_FORBIDDEN
    rejection: tuple[str, ...] = phrases.DEFAULT_REJECTION


@dataclass
class Verdict:
    named: names.NameHit | None
    misspelled: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    rejection: list[str] = field(default_factory=list)

    @property
    def badness(self) -> int:
        """How bad an example is, to pick the worst ones: phrases weigh more than typos."""
        return 3 * len(self.forbidden) + len(self.misspelled) + (self.named is None)


def check(text: str, rules: TextRules, *, first_name: str = "", patronymic: str = "") -> Verdict:
    """Every check on one outgoing text (`first_name` empty: addressing is not judged)."""
    return Verdict(names.addressed(text, first_name, patronymic) if first_name else None,
                   spelling.misspelled(text, rules.allowed_words),
                   phrases.found(text, rules.forbidden), phrases.found(text, rules.rejection))
