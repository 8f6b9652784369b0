"""The suspicion rules, one named reason at a time (pure: no database, no portal)."""

from __future__ import annotations

from handlers.audits.config import AuditConfig
from handlers.audits.score import CallFact, Evidence, reasons, sampled, score

CFG = AuditConfig()


def call(seconds: int, *, answered: bool = True, outgoing: bool = True) -> CallFact:
    return CallFact("2026-11-23T10:00:00+00:00", seconds, answered, outgoing, True)


def test_no_call_at_all() -> None:
    assert reasons(Evidence(), "дорого", CFG) == ["no_call"]


def test_only_short_answered_calls() -> None:
    ev = Evidence(calls=[call(3), call(12)])
    assert reasons(ev, "дорого", CFG) == ["short_calls_only"]
    assert reasons(Evidence(calls=[call(3), call(95)]), "дорого", CFG) == []


def test_unanswered_attempts_are_not_short_conversations() -> None:
    ev = Evidence(calls=[call(0, answered=False), call(0, answered=False)])
    assert reasons(ev, "Клиент не берет трубку", CFG) == []


def test_no_answer_claim_needs_a_real_attempt() -> None:
    for text in ("не берёт трубку", "Не отвечает второй день", "недозвон", "не дозвонился"):
        assert "no_answer_claim" in reasons(Evidence(calls=[call(4, outgoing=False)]), text, CFG)
    rang_out = Evidence(calls=[call(0, answered=False)])
    assert "no_answer_claim" not in reasons(rang_out, "не берет трубку", CFG)


def test_quick_reject_after_claim() -> None:
    assert "quick_reject" in reasons(Evidence(calls=[call(60)], minutes_since_claim=4), "x", CFG)
    assert "quick_reject" not in reasons(Evidence(calls=[call(60)], minutes_since_claim=300),
                                         "x", CFG)


def test_rate_far_above_the_team() -> None:
    ev = Evidence(calls=[call(60)], manager_lost=8, manager_closed=10, team_rate=0.3)
    assert reasons(ev, "x", CFG) == ["high_rate"]
    few = Evidence(calls=[call(60)], manager_lost=3, manager_closed=3, team_rate=0.3)
    assert reasons(few, "x", CFG) == []  # three deals say nothing yet


def test_missing_evidence_and_the_weighted_sum() -> None:
    ev = Evidence(missing=["reason"])
    found = reasons(ev, None, CFG)
    assert found == ["no_call", "evidence_missing"]
    assert score(found, CFG) == 60
    heavy = AuditConfig(weights={"no_call": 90, "evidence_missing": 90})
    assert score(found, heavy) == 100  # capped


def test_the_sample_is_stable_per_deal_and_near_its_share() -> None:
    picks = [sampled("deal", i, 10) for i in range(2000)]
    assert picks == [sampled("deal", i, 10) for i in range(2000)]
    assert 150 < sum(picks) < 250
    assert not any(sampled("deal", i, 0) for i in range(100))
    assert all(sampled("deal", i, 100) for i in range(100))


def test_no_answer_claim_with_a_transcribed_talk_scores_high() -> None:
    talked = Evidence(calls=[call(0, answered=False)], talks=1)
    found = reasons(talked, "Клиент не берёт трубку", CFG)
    assert found == ["transcript_talk"] and score(found, CFG) >= CFG.suspicious_score
    assert "transcript_talk" not in reasons(talked, "дорого", CFG)
    assert "transcript_talk" not in reasons(Evidence(calls=[call(0, answered=False)]),
                                            "не берёт трубку", CFG)
