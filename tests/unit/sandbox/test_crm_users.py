"""user.get/current/admin, department.get, im.notify.*, tasks.task.* (§10, §11)."""

from __future__ import annotations

import pytest
from crm_portal import Recorder, open_portal

from sandbox.errors import RestError
from sandbox.methods.im import notifications_for


@pytest.fixture(scope="module")
def company():
    with open_portal(seeded=True) as portal:
        yield portal


@pytest.fixture
def portal():
    with open_portal() as portal:
        yield portal


def test_user_get_filters_by_department_active_and_inner_number(company):
    meta = company.meta
    sales = meta["departments"]["sales"]
    page = company.invoke("user.get", {"FILTER": {"UF_DEPARTMENT": sales, "ACTIVE": True}},
                          user_id=1)
    got = {int(u["ID"]) for u in page.items}
    assert got == {meta["head"], *meta["managers"], meta["exchange"]}
    assert page.total == len(got)
    user = company.invoke("user.get", {"FILTER": {"UF_PHONE_INNER": "102"}}, user_id=1).items[0]
    assert user["ID"] == str(meta["managers"][0])
    assert user["ACTIVE"] is True and user["UF_DEPARTMENT"] == [sales]
    assert isinstance(user["ID"], str)


def test_user_get_sorts_pages_and_searches(company):
    page = company.invoke("user.get", {"sort": "ID", "order": "DESC"}, user_id=1)
    assert [int(u["ID"]) for u in page.items][:2] == [13, 12] and page.next is None
    found = company.invoke("user.get", {"FILTER": {"NAME_SEARCH": "лидов"}}, user_id=1)
    assert [int(u["ID"]) for u in found.items] == [company.meta["exchange"]]


def test_fired_users_are_filtered_by_active(company):
    manager = company.table("user").get(company.meta["managers"][-1])
    manager["ACTIVE"] = False
    try:
        active = company.invoke("user.get", {"FILTER": {"ACTIVE": True}}, user_id=1)
        everyone = company.invoke("user.get", {}, user_id=1)
        assert everyone.total == active.total + 1
    finally:
        manager["ACTIVE"] = True


def test_user_current_and_admin(company):
    me = company.invoke("user.current", {}, user_id=company.meta["head"])
    assert me["ID"] == str(company.meta["head"]) and "UF_DEPARTMENT" in me
    assert company.invoke("user.admin", {}, user_id=company.meta["owner"]) is True
    assert company.invoke("user.admin", {}, user_id=company.meta["head"]) is False


def test_department_get_shapes_and_filters(company):
    deps = company.invoke("department.get", {}, user_id=1)
    root, sales = deps.items[0], deps.items[1]
    assert "PARENT" not in root and root["UF_HEAD"] == str(company.meta["owner"])
    assert (sales["NAME"], sales["PARENT"], sales["UF_HEAD"]) == (
        "Отдел продаж", root["ID"], str(company.meta["head"]))
    assert isinstance(sales["SORT"], int)
    children = company.invoke("department.get", {"PARENT": sales["ID"]}, user_id=1)
    assert [d["NAME"] for d in children.items] == ["Сопровождение клиентов"]


def test_notifications_and_tags(portal):
    first = portal.invoke("im.notify.system.add", {"USER_ID": 2, "MESSAGE": "  Пропущенный  ",
                                                   "TAG": "missed|7"}, user_id=1)
    second = portal.invoke("im.notify.personal.add", {"USER_ID": 2, "MESSAGE": "Снова",
                                                      "TAG": "missed|7"}, user_id=3)
    assert isinstance(first, int) and second == first + 1
    seen = notifications_for(portal, 2)
    assert [(n["MESSAGE"], n["TYPE"], n["AUTHOR_ID"]) for n in seen] == [("Снова", "USER", 3)]
    portal.invoke("im.notify", {"USER_ID": 2, "MESSAGE": "Третье", "TYPE": "SYSTEM"}, user_id=1)
    assert [n["MESSAGE"] for n in notifications_for(portal, 2)] == ["Снова", "Третье"]
    assert portal.invoke("im.notify.system.add", {"USER_ID": 99, "MESSAGE": "x"},
                         user_id=1) is False


def test_notification_errors(portal):
    portal.spec_strict = False  # the method's own answers, not the emulator's schema guard
    with pytest.raises(RestError) as empty:
        portal.invoke("im.notify.system.add", {"USER_ID": 2, "MESSAGE": " "}, user_id=1)
    assert empty.value.code == "MESSAGE_EMPTY"
    with pytest.raises(RestError) as nobody:
        portal.invoke("im.notify.system.add", {"MESSAGE": "x"}, user_id=1)
    assert nobody.value.code == "USER_ID_EMPTY"


def test_tasks_add_get_update_list(portal):
    events = Recorder(portal)
    made = portal.invoke("tasks.task.add", {"fields": {
        "TITLE": "Перезвонить клиенту", "RESPONSIBLE_ID": 2, "DEADLINE": "2026-03-11T18:00:00",
        "UF_CRM_TASK": ["D_12", "C_3"]}}, user_id=3)["task"]
    assert (made["title"], made["responsibleId"], made["createdBy"], made["status"]) == (
        "Перезвонить клиенту", "2", "3", "2")
    assert made["deadline"] == "2026-03-11T18:00:00+03:00" and made["id"] == "1"
    plain = portal.invoke("tasks.task.get", {"taskId": 1}, user_id=1)["task"]
    assert "ufCrmTask" not in plain
    bound = portal.invoke("tasks.task.get", {"taskId": 1, "select": ["UF_CRM_TASK"]}, user_id=1)
    assert bound["task"]["ufCrmTask"] == ["D_12", "C_3"]
    done = portal.invoke("tasks.task.update", {"taskId": 1, "fields": {"STATUS": 5}},
                         user_id=2)["task"]
    assert done["status"] == "5" and done["closedBy"] == "2"
    listed = portal.invoke("tasks.task.list", {"filter": {"RESPONSIBLE_ID": 2}}, user_id=1)
    assert listed.total == 1 and listed.items["tasks"][0]["id"] == "1"
    assert events.codes() == ["ONTASKADD", "ONTASKUPDATE"]
    assert events.events[0].data["FIELDS_AFTER"] == {"ID": 1}


def test_task_errors(portal):
    with pytest.raises(RestError, match="Task title is not specified"):
        portal.invoke("tasks.task.add", {"fields": {"RESPONSIBLE_ID": 2}}, user_id=1)
    with pytest.raises(RestError, match="Responsible person not specified"):
        portal.invoke("tasks.task.add", {"fields": {"TITLE": "x"}}, user_id=1)
    with pytest.raises(RestError, match="'Responsible' field not found"):
        portal.invoke("tasks.task.add", {"fields": {"TITLE": "x", "RESPONSIBLE_ID": 77}},
                      user_id=1)
