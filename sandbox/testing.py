"""Test helpers for suites that drive the emulated cloud: a recording HTTP receiver and a
one-call portal setup. Imported by tests only (pytest does not collect sandbox/).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sandbox.payloads import parse_pairs
from sandbox.server import QuietHandler
from sandbox.state import Cloud, PortalState
from sandbox.tokens import App

Responder = Callable[[Request], Response | str | None]


@dataclass
class Posted:
    """One request the receiver got: path, query and the form as sent (pairs)."""

    path: str
    query: dict[str, str]
    form: list[tuple[str, str]]

    @cached_property
    def fields(self) -> dict:
        """The form as nested dicts, like the app's `unflatten` would see it."""
        return parse_pairs(self.form)


class Receiver:
    """A live loopback server that records every request and answers `status` (default 200),
    or what `respond(request)` returns. Stands in for the app's event/install/page handlers."""

    def __init__(self, respond: Responder | None = None) -> None:
        self.respond = respond
        self.status = 200
        self.posts: list[Posted] = []
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True,
                                   request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def _wsgi(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        self.posts.append(Posted(request.path, request.args.to_dict(),
                                 list(request.form.items(multi=True))))
        answer = self.respond(request) if self.respond else None
        if not isinstance(answer, Response):
            answer = Response(answer or "ok", self.status)
        return answer(environ, start_response)

    def to(self, path: str) -> list[Posted]:
        return [p for p in self.posts if p.path == path]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def installed_portal(cloud: Cloud, name: str | None = None, *,
                     scopes: Iterable[str] = ("crm", "user", "placement", "telephony", "task"),
                     client_id: str = "local.test.app", client_secret: str = "test-secret",
                     handler_url: str | None = "http://app.invalid/app") -> PortalState:
    """A portal with the app installed (no install URL: available at once), rate limit off."""
    app = cloud.apps.get(client_id) or cloud.register_app(client_id, client_secret, scopes)
    portal = cloud.add_portal(name)
    portal.rate_limit_enabled = False
    portal.install_app(app, None, handler_url)
    return portal


__all__ = ["App", "Posted", "Receiver", "installed_portal"]
