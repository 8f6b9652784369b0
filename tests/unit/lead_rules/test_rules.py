"""Settings validation, deadlines per status, and the conversion's completeness check."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from handlers.lead_rules import config
from handlers.lead_rules.convert import readiness
from handlers.lead_rules.statuses import Status, Statuses
from handlers.lead_rules.tracks import due_for, update_card
from handlers.lead_rules.workclock import WorkClock
from store.leads_models import LeadTrack

STATUSES = Statuses((Status("NEW", "Не обработан", "P", 10), Status("IN_PROCESS", "В работе",
                                                                     "P", 20),
                     Status("PROCESSED", "Обработан", "P", 30),
                     Status("CONVERTED", "Качественный", "S", 40),
                     Status("JUNK", "Некачественный", "F", 50),
                     Status("UC_BADPHONE", "Неверный номер", "F", 60)))
MON_10 = datetime(2026, 11, 23, 7, tzinfo=UTC)  # 10:00 in Moscow


def test_defaults_are_valid_and_mistakes_are_named() -> None:
    assert config.LeadRulesConfig().validate() == []
    bad = dataclasses.replace(config.LeadRulesConfig(), sla_hours=0, timezone="Mars/Base",
                              work_start="18:00", work_end="09:00", junk_mode="delete",
                              evidence_kinds=["fax"], work_days=[])
    assert set(bad.validate()) == {"sla_hours", "timezone", "work_hours", "junk_mode",
                                   "evidence_kinds", "work_days"}


def test_settings_round_trip_through_json_keys() -> None:
    cfg = config.from_dict({"stage_hours": {"IN_PROCESS": "4"}, "unknown": 1})
    assert cfg.limit_for("IN_PROCESS") == 4.0 and cfg.limit_for("PROCESSED") == 8.0


def test_statuses_come_from_the_portal() -> None:
    assert STATUSES.first_open == "NEW" and STATUSES.success == "CONVERTED"
    assert [s.code for s in STATUSES.failures] == ["JUNK", "UC_BADPHONE"]
    assert [s.code for s in STATUSES.intermediate] == ["IN_PROCESS", "PROCESSED"]
    assert Statuses(()).first_open == "NEW" and Statuses(()).success == "CONVERTED"


def test_a_new_lead_is_due_by_the_sla_an_intermediate_one_by_its_own_limit() -> None:
    cfg = config.LeadRulesConfig(stage_hours={"IN_PROCESS": 4})
    clock = WorkClock.of(cfg)
    created, moved = MON_10, MON_10.replace(hour=9)  # moved at 12:00 Moscow
    assert due_for(cfg, clock, STATUSES, status_id="NEW", semantic="P", created=created,
                   since=created) == MON_10.replace(hour=9)
    assert due_for(cfg, clock, STATUSES, status_id="IN_PROCESS", semantic="P",
                   created=created, since=moved) == MON_10.replace(hour=13)
    assert due_for(cfg, clock, STATUSES, status_id="PROCESSED", semantic="P",
                   created=created, since=moved) == datetime(2026, 11, 24, 8, tzinfo=UTC)  # 11:00
    assert due_for(cfg, clock, STATUSES, status_id="JUNK", semantic="F", created=created,
                   since=moved) is None


def test_card_data_is_normalised_for_lookups() -> None:
    track = LeadTrack()
    update_card(track, {"LAST_NAME": " Петров ", "NAME": "Иван", "SECOND_NAME": "",
                        "PHONE": [{"VALUE": "8 (912) 555-00-01"}, {"VALUE": "+79125550001"}],
                        "EMAIL": [{"VALUE": "Ivan@Mail.Test"}], config.REASON_FIELD: " Дубль "})
    assert (track.last_name, track.phones, track.emails, track.junk_reason) == \
        ("Петров", ["+79125550001"], ["ivan@mail.test"], "Дубль")


def test_readiness_wants_the_full_name_and_a_way_to_reach_the_client() -> None:
    cfg = config.LeadRulesConfig()
    full = {"LAST_NAME": "Петров", "NAME": "Иван", "SECOND_NAME": "Сергеевич",
            "PHONE": [{"VALUE": "+79125550001"}]}
    assert readiness(full, cfg) == []
    assert readiness({**full, "SECOND_NAME": ""}, cfg) == ["second_name"]
    no_patronymic = dataclasses.replace(cfg, require_patronymic=False)
    assert readiness({**full, "SECOND_NAME": ""}, no_patronymic) == []
    assert readiness({"NAME": "Иван", "EMAIL": [{"VALUE": "a@b.test"}]}, cfg) == \
        ["last_name", "second_name"]
    assert readiness({"LAST_NAME": "П", "NAME": "И", "SECOND_NAME": "С"}, cfg) == ["contact"]
