"""The "Отчёт" tab, its CSV and the report's stage setting, over a generated department."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import time_machine

from handlers.report import stages
from handlers.report.build import build
from handlers.report.people import COLUMNS
from handlers.report.period import Period
from pages.auth import Viewer
from store import mirror
from store.settings import load_section, save_section
from tests.factories import make_portal, page_session
from tests.unit.report.world import PERIOD, generate

OWNER = 1
READ_AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tuesday 11:00 in Moscow


@pytest.fixture
def portal(sessions):
    """The generated department, read on the Tuesday after its days (READ_AT), whatever
    TEST_NOW is: at an earlier moment (CI's October DST replay) its November days are still to
    come, and a report rightly shows no trend and no lost calls for days that have not been."""
    with time_machine.travel(READ_AT, tick=True):
        with sessions() as s:
            row = make_portal(s)
            generate(s, row.id)
            save_section(s, row.id, "report", {"send_at": "07:45"}, user_id=None,
                         now=datetime.now(UTC))
            s.commit()
        yield row


def token(app, portal, *, lang: str = "ru") -> str:
    return page_session(app, Viewer(portal_id=portal.id, member_id=portal.member_id,
                                    user_id=OWNER, is_admin=True, lang=lang, name="Владелец",
                                    domain="x.bitrix24.ru"))


def cells(html: str, manager: int) -> dict[str, int]:
    row = re.findall(rf'<tr data-manager="{manager}">(.*?)</tr>', html, re.S)
    return {col: int(v) for part in row
            for col, v in re.findall(r'data-col="(\w+)">(\d+)<', part)}


def test_the_tab_shows_the_new_figures(client, app, portal, sessions) -> None:
    query = f"period=week&date={PERIOD.end.isoformat()}"
    page = client.get(f"/app/report?s={token(app, portal)}&{query}")
    assert page.status_code == 200
    html = page.text
    for text in ("Время ответа", "Средний разговор", "Исходящие от 3 минут",
                 "Доля потерянных звонков по дням", "Звонки по часам",
                 "Телефония по сотрудникам", "Каналы (номера и линии)", "Новые звонки",
                 "Обратная связь", "КП", "Ложный отказ", "Просрочено лидов", "Воронка за период"):
        assert text in html, text
    assert "<polyline" in html and html.count('data-operator="') >= 3
    with sessions() as s:
        from handlers.report.period import Period

        report = build(s, portal.id, Period.of("week", PERIOD.end), datetime.now(UTC))
    for m in report.managers:
        shown = cells(html, m.user_id)
        for col, value in shown.items():
            want = m.counters[col] + (m.counters["exchange_stale"]
                                      if col == "exchange_returned" else 0)
            assert value == want, (m.user_id, col)
        assert {"new_calls", "proposals", "audit_confirmed", "overdue_leads"} <= set(shown)
    english = client.get(f"/app/report?s={token(app, portal, lang='en')}&{query}").text
    assert "Time to answer" in english and "Feedback calls" in english


def test_csv_has_every_counter_and_the_calls_sections(client, app, portal) -> None:
    got = client.get(f"/app/report.csv?s={token(app, portal)}&period=week"
                     f"&date={PERIOD.end.isoformat()}")
    assert got.status_code == 200
    week = Period.of("week", PERIOD.end)  # named by its days, not by the server's today
    assert got.headers["Content-Disposition"] == (
        f"attachment; filename=report-{week.start}-{week.end}.csv")
    rows = list(csv.reader(io.StringIO(got.data.decode("utf-8-sig"))))
    assert rows[0] == ["section", "manager", *COLUMNS, "rejection_categories"]
    sections = {r[0] for r in rows}
    assert {"managers", "operators", "lines", "escalations"} <= sections
    assert sum(1 for r in rows if r[0] == "managers") == 3


def picked(html: str, name: str) -> list[str]:
    picker = re.search(rf'<select[^>]*data-stage-picker="{name}">(.*?)</select>', html, re.S)
    assert picker, name
    return re.findall(r'<option value="([^"]+)" selected', picker.group(1))


def test_stage_setting_on_the_settings_page(client, app, portal, sessions) -> None:
    with sessions() as s:  # crm.status.list gives the general pipeline's stages no CATEGORY_ID
        mirror.upsert_stage(s, portal.id, {"ENTITY_ID": "DEAL_STAGE", "STATUS_ID": "UC_CALL",
                                           "NAME": "Звонок назначен", "SORT": "15"})
        s.commit()
    tok = token(app, portal)
    page = client.get(f"/app/settings?s={tok}").text
    general = re.search(r'<optgroup label="Общая[^"]*">(.*?)</optgroup>', page, re.S).group(1)
    assert '<option value="UC_CALL" >Звонок назначен</option>' in general
    assert "Отчёт: какие стадии считать" in page and 'name="stages_proposals"' in page
    assert 'type="text" name="stages_' not in page  # nothing to type: the stages are picked
    picker = re.search(r'data-stage-picker="invoices">(.*?)</select>', page, re.S).group(1)
    assert '<optgroup label="Общая воронка и те же стадии других воронок">' in picker
    assert '<optgroup label="Воронка 2">' in picker and "C2:PREPAYMENT_INVOICE" in picker
    # the defaults are codes of every pipeline: picked in the general pipeline's group
    assert picked(page, "invoices") == ["PREPAYMENT_INVOICE", "FINAL_INVOICE"]
    bad = client.post("/app/settings/report", data={
        "s": tok, "stages_proposals": ["PREPARATION", "NOPE"], "stages_payments": "WON"})
    assert bad.status_code == 422 and "Такой стадии нет ни в одной воронке." in bad.text
    assert picked(bad.text, "proposals") == ["PREPARATION"]  # what was picked stays
    with sessions() as s:
        assert stages.load(s, portal.id) == stages.DEFAULTS
    ok = client.post("/app/settings/report", data={
        "s": tok, "stages_proposals": ["PREPARATION", "C2:EXECUTING"],
        "stages_invoices": "EXECUTING"})
    assert ok.status_code == 303
    with sessions() as s:
        assert stages.load(s, portal.id) == {"proposals": ["PREPARATION", "C2:EXECUTING"],
                                             "invoices": ["EXECUTING"], "payments": []}
        assert load_section(s, portal.id, "report")["send_at"] == "07:45"  # kept
    again = client.get(f"/app/settings?s={tok}").text
    assert picked(again, "proposals") == ["PREPARATION", "C2:EXECUTING"]


def test_csv_cells_from_the_portal_never_run_as_formulas(client, app, portal, sessions) -> None:
    from store.models import User

    with sessions() as s:
        user = s.query(User).filter_by(portal_id=portal.id).order_by(User.b24_user_id).first()
        user.name, user.last_name = "=HYPERLINK(\"http://evil\",\"x\")", ""
        s.commit()
    got = client.get(f"/app/report.csv?s={token(app, portal)}&period=week"
                     f"&date={PERIOD.end.isoformat()}")
    cells_ = [c for r in csv.reader(io.StringIO(got.data.decode("utf-8-sig"))) for c in r]
    assert any("HYPERLINK" in c for c in cells_)
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells_)


def test_every_hygiene_row_can_be_opened_past_the_first_five(client, app, portal,
                                                             sessions) -> None:
    query = f"period=week&date={PERIOD.end.isoformat()}"
    html = client.get(f"/app/report?s={token(app, portal)}&{query}").text
    with sessions() as s:
        from handlers.report.period import Period

        report = build(s, portal.id, Period.of("week", PERIOD.end), datetime.now(UTC))
    long = {key: rows for key, rows in report.hygiene.items() if len(rows) > 5}
    assert long  # the generated department has a long list to open
    for key, rows in long.items():
        more = re.search(rf'<details class="hygiene-more" data-hygiene-more="{key}">(.*?)'
                         r"</details>", html, re.S)
        assert more, key
        assert f"и ещё {len(rows) - 5}" in re.search(r"<summary>(.*?)</summary>",
                                                      more.group(1)).group(1)
        for r in rows[5:]:
            wanted = r.deal_ids[0] if key == "shared_clients" else r.deal_id
            assert f"/crm/deal/details/{wanted}/" in more.group(1), (key, wanted)


def test_the_two_halves_on_two_connections_build_the_same_report(portal, sessions) -> None:
    """build(sessions=...) reads hygiene and the areas' figures on a second connection while
    the stage pass runs: the same report as one connection reading everything in turn."""
    with sessions() as s:
        alone = build(s, portal.id, PERIOD, READ_AT)
        paired = build(s, portal.id, PERIOD, READ_AT, sessions=sessions)
    assert paired.headline() == alone.headline()
    assert paired.managers == alone.managers
    assert paired.funnels == alone.funnels
    assert paired.exchange == alone.exchange
    assert {k: (len(v), list(v)) for k, v in paired.hygiene.items()} == {
        k: (len(v), list(v)) for k, v in alone.hygiene.items()}
    assert paired.sections.keys() == alone.sections.keys()
    assert paired.sections["headline"] == alone.sections["headline"]
