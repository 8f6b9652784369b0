"""The missed / lost / time-to-answer rules on their edge cases (handlers/telephony/kpis.py).

Decision documented in kpis.py: a call-back at exactly N minutes is in time (≤ N counts).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.phones import normalize
from handlers.telephony import kpis
from store import telephony
from tests.factories import make_portal
from tests.unit.telephony.helpers import T0, add_call

DAY = kpis.Period(T0 - timedelta(hours=7), T0 + timedelta(hours=17))
RULES = kpis.Rules(callback_minutes=15, ring_seconds=6)


@pytest.fixture
def pid(session) -> int:
    return make_portal(session).id


def totals(session, pid: int, rules: kpis.Rules = RULES) -> kpis.Kpis:
    return kpis.summary(session, pid, DAY, rules)


def test_call_back_at_exactly_n_minutes_is_in_time(session, pid) -> None:
    add_call(session, pid, phone="+79123456789", answered=False)
    add_call(session, pid, phone="+79123456789", minute=15, kind="out")
    t = totals(session, pid)
    assert (t.incoming, t.missed, t.lost, t.recovered_late) == (1, 1, 0, 0)


def test_call_back_one_second_late_is_lost_and_recovered_late(session, pid) -> None:
    add_call(session, pid, phone="+79123456789", answered=False)
    add_call(session, pid, phone="+79123456789", minute=15 + 1 / 60, kind="out")
    t = totals(session, pid)
    assert (t.missed, t.lost, t.recovered_late) == (1, 1, 1)
    assert t.lcr == 1.0
    [lost] = kpis.lost_calls(session, pid, DAY, RULES)
    assert lost.state == "late" and lost.callback_at == T0 + timedelta(minutes=15, seconds=1)


def test_call_back_by_another_operator_counts(session, pid) -> None:
    add_call(session, pid, phone="+79123456789", answered=False, user=10)
    add_call(session, pid, phone="+79123456789", minute=5, kind="out", user=11)
    assert totals(session, pid).lost == 0


def test_the_client_calling_again_and_being_answered_counts(session, pid) -> None:
    add_call(session, pid, phone="+79123456789", answered=False)
    add_call(session, pid, phone="+79123456789", minute=4, kind="in")
    t = totals(session, pid)
    assert (t.incoming, t.answered, t.lost) == (2, 1, 0)


def test_an_unanswered_call_back_does_not_count(session, pid) -> None:
    add_call(session, pid, phone="+79123456789", answered=False)
    add_call(session, pid, phone="+79123456789", minute=3, kind="out", answered=False)
    assert totals(session, pid).lost == 1


def test_outgoing_only_numbers_have_no_missed_or_lost_calls(session, pid) -> None:
    add_call(session, pid, phone="+79161112233", kind="out", answered=False)
    add_call(session, pid, phone="+79161112233", minute=30, kind="out", talk=200)
    t = totals(session, pid)
    assert (t.incoming, t.missed, t.lost, t.lcr) == (0, 0, 0, None)
    assert (t.outgoing, t.outgoing_answered, t.long_outgoing) == (2, 1, 1)


@pytest.mark.parametrize(("missed_as", "back_as", "e164"), [
    ("+49 (30) 123-4567", "+4930 1234567", "+49301234567"),
    ("+1 (415) 555-0123", "+14155550123", "+14155550123"),
    ("8 (912) 345-67-89", "9123456789", "+79123456789"),
])
def test_international_and_national_spellings_are_one_client(session, pid, missed_as, back_as,
                                                             e164) -> None:
    add_call(session, pid, phone=missed_as, answered=False)
    add_call(session, pid, phone=back_as, minute=10, kind="out")
    assert normalize(missed_as) == normalize(back_as) == e164
    assert totals(session, pid).lost == 0


def test_one_number_in_three_spellings(session, pid) -> None:
    spellings = ("8 (912) 345-67-89", "+79123456789", "9123456789")
    assert {normalize(s) for s in spellings} == {"+79123456789"}
    add_call(session, pid, phone=spellings[0], answered=False)
    add_call(session, pid, phone=spellings[1], minute=1, answered=False)
    add_call(session, pid, phone=spellings[2], minute=14, kind="out")
    t = totals(session, pid)
    assert (t.missed, t.lost) == (2, 0)


def test_region_setting_reads_national_numbers(session, pid) -> None:
    assert normalize("030 1234567", "DE") == "+49301234567"
    add_call(session, pid, phone="030 1234567", answered=False, region="DE")
    add_call(session, pid, phone="+49 30 1234567", minute=2, kind="out", region="DE")
    assert totals(session, pid).lost == 0


def test_each_missed_call_has_its_own_window(session, pid) -> None:
    add_call(session, pid, phone="+79123456789", answered=False)            # 18 min: lost
    add_call(session, pid, phone="+79123456789", minute=5, answered=False)  # 13 min: in time
    add_call(session, pid, phone="+79123456789", minute=18, kind="out")
    t = totals(session, pid)
    assert (t.missed, t.lost, t.recovered_late) == (2, 1, 1)


def test_a_call_back_stored_before_the_missed_call_still_counts(session, pid) -> None:
    add_call(session, pid, phone="+79123456789", minute=10, kind="out")  # event came first
    add_call(session, pid, phone="+79123456789", answered=False)
    assert totals(session, pid).lost == 0


def test_no_call_back_yet_inside_the_window_is_pending_not_lost(session, pid) -> None:
    add_call(session, pid, phone="+79123456789", answered=False)
    early = kpis.Rules(callback_minutes=15, as_of=T0 + timedelta(minutes=10))
    late = kpis.Rules(callback_minutes=15, as_of=T0 + timedelta(minutes=16))
    assert (totals(session, pid, early).lost, totals(session, pid, early).pending) == (0, 1)
    assert (totals(session, pid, late).lost, totals(session, pid, late).pending) == (1, 0)
    assert [c.state for c in kpis.lost_calls(session, pid, DAY, early)] == ["pending"]


def test_a_hidden_number_can_never_be_called_back(session, pid) -> None:
    add_call(session, pid, phone="", answered=False)
    add_call(session, pid, phone="", minute=1, kind="out")
    assert totals(session, pid).lost == 1


def test_time_to_answer_and_three_rings(session, pid) -> None:
    for n, seconds in enumerate((2, 6, 7, 20)):
        add_call(session, pid, phone=f"+7916000000{n}", minute=n, answer_seconds=seconds)
    add_call(session, pid, phone="+79160000009", minute=9)  # answer time unknown: not averaged
    t = totals(session, pid)
    assert (t.answered, t.answer_timed, t.within_rings) == (5, 4, 2)  # 6 s is within 3 rings
    assert t.avg_answer == pytest.approx(35 / 4)
    assert t.within_rings_share == 0.5


def test_catch_up_gives_the_same_answer_as_the_live_path(session, pid) -> None:
    """The first sync stores history without note_call; the catch-up job fills the gaps."""
    add_call(session, pid, phone="+79123456789", answered=False, note=False)
    add_call(session, pid, phone="+79123456789", minute=20, kind="out", note=False)
    add_call(session, pid, phone="+79160000001", minute=30, answered=False, note=False)
    add_call(session, pid, phone="+79160000001", minute=31, kind="in", note=False)
    assert totals(session, pid).missed == 2
    cursor = telephony.catch_up_missed(session, pid)
    t = totals(session, pid)
    assert (t.missed, t.lost, t.recovered_late) == (2, 1, 1)
    assert telephony.catch_up_missed(session, pid, cursor) == cursor  # nothing new: no-op
