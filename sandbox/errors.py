"""The error a REST method of the emulated portal raises; the server renders it as Bitrix does.

Shape {"error": CODE, "error_description": TEXT} with the real HTTP status
(EN:_includes/system-errors.md, EN:_includes/error-info.md).
"""

from __future__ import annotations


class RestError(Exception):
    def __init__(self, code: str, description: str = "", status: int = 400,
                 extra: dict | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.status = status
        self.extra = extra or {}

    def body(self) -> dict:
        return {"error": self.code, "error_description": self.description, **self.extra}


def not_found(description: str = "Not found") -> RestError:
    """Classic CRM methods answer an empty code with 'Not found'
    (EN:api-reference/crm/deals/crm-deal-get.md)."""
    return RestError("", description, 400)


def bad_argument(description: str) -> RestError:
    return RestError("INVALID_ARG_VALUE", description, 400)
