"""The table of REST methods the emulated portal knows, filled by the modules in sandbox/methods/.

Contract shared by every method module:

    @method("crm.deal.get", scope="crm")
    def deal_get(ctx: CallContext, params: dict) -> object: ...

`params` is the decoded request (form bracket keys or JSON, top-level keys as sent); the function
returns the value for "result", or a Page for list methods (the server adds total/next), or raises
sandbox.errors.RestError. Changes to entities fire events through ctx.emit(...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.state import PortalState


@dataclass
class Page:
    """A list method's page: the server renders result, total (unless start=-1) and next."""

    items: Any
    total: int | None
    next: int | None


@dataclass
class CallContext:
    portal: PortalState
    user_id: int  # whose token made the call (the installer for the app's stored tokens)
    app_context: bool = True  # OAuth application token (False: webhook / a person in the UI)
    is_admin: bool = False
    scopes: frozenset[str] = frozenset()
    in_batch: bool = False
    auth_connector: str | None = None  # suppresses the app's own offline events (§3.5)
    notes: list[str] = field(default_factory=list)

    @property
    def now(self) -> datetime:
        return self.portal.clock.now()

    def emit(self, code: str, data: dict) -> None:
        """Queue an event caused by this call (delivered to bound handlers, §3.2, §3.4)."""
        self.portal.emit(code, data, user_id=self.user_id, auth_connector=self.auth_connector)


MethodFn = Callable[[CallContext, dict], Any]


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fn: MethodFn
    scope: str  # "basic" for app/event/batch/user.current...
    admin_only: bool = False
    app_only: bool = False  # application context required (webhook -> WRONG_AUTH_TYPE)
    batchable: bool = True


METHODS: dict[str, MethodSpec] = {}


def method(name: str, *, scope: str, admin_only: bool = False, app_only: bool = False,
           batchable: bool = True) -> Callable[[MethodFn], MethodFn]:
    """Register a method under its lower-cased name (Bitrix method names are case-insensitive)."""

    def register(fn: MethodFn) -> MethodFn:
        key = name.lower()
        if key in METHODS:
            raise RuntimeError(f"method {name} registered twice")
        METHODS[key] = MethodSpec(name, fn, scope, admin_only, app_only, batchable)
        return fn

    return register


def find(name: str) -> MethodSpec | None:
    return METHODS.get(name.lower())
