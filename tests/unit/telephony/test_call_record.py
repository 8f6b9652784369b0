"""A statistics row that names its recording only by RECORD_FILE_ID still gives a recording."""

from __future__ import annotations

from handlers.calls import call_values

# EN:api-reference/telephony/voximplant/voximplant-statistic-get.md, the page's example row
DOCS_ROW = {"CALL_ID": "C1E5F0.1553773245.5263", "CALL_TYPE": "1", "CALL_DURATION": "33",
            "CALL_FAILED_CODE": "200", "CALL_START_DATE": "2019-03-28T14:40:45+03:00",
            "PHONE_NUMBER": "+79001234567", "PORTAL_USER_ID": "1", "CALL_RECORD_URL": "",
            "RECORD_FILE_ID": "257", "CRM_ENTITY_TYPE": "CONTACT", "CRM_ENTITY_ID": "5"}


def test_record_file_id_alone_is_kept() -> None:
    values = call_values(DOCS_ROW)
    assert (values["record_file_id"], values["record_url"]) == (257, None)


def test_no_recording_is_none() -> None:
    values = call_values({**DOCS_ROW, "RECORD_FILE_ID": None, "CALL_FAILED_CODE": "304"})
    assert values["record_file_id"] is None
