"""One explicit registry of event handlers (gidgethub's Router, Sentry's _handlers)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from b24.events import B24Event
    from handlers.context import HandlerContext


@dataclass(frozen=True)
class Read:
    """A REST read a handler needs before it decides; the chunk runs all reads in one batch."""

    key: str
    method: str
    params: dict[str, Any]


Handler = Callable[["B24Event", "HandlerContext"], None]
Reads = Callable[["B24Event"], Iterable[Read]]


def no_reads(_event: B24Event) -> Iterable[Read]:
    return ()


@dataclass(frozen=True)
class Route:
    func: Handler
    reads: Reads
    inline: bool  # runs inside the HTTP request (install/uninstall only)

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


class EventRouter:
    def __init__(self) -> None:
        self._routes: dict[str, list[Route]] = {}

    def on(self, code: str, *, reads: Reads = no_reads,
           inline: bool = False) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            self._routes.setdefault(code.upper(), []).append(Route(func, reads, inline))
            return func
        return register

    def handlers_for(self, code: str) -> tuple[Route, ...]:
        return tuple(self._routes.get(code.upper(), ()))

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self._routes)


router = EventRouter()
