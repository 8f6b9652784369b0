"""The cloud's event queue worker: POSTs each queued event once, records the outcome, never retries.

EN:api-reference/events/index.md: events are queued and sent asynchronously; if the handler is
down, times out or answers an error status, the failure is logged and the event is lost (no
repeated sends, confirmed in bitrix-tools/b24-rest-docs#178). One worker thread keeps the order
deterministic; tests call `wait()` (Cloud.wait_idle / PortalState.flush_events) instead of sleeping.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import requests

from sandbox.events import Job, build_form
from sandbox.payloads import Pairs, parse_pairs

if TYPE_CHECKING:
    from sandbox.state import Cloud, PortalState

logger = logging.getLogger(__name__)


@dataclass
class Delivery:
    """What the portal POSTed to a handler and how it went (`status` None = no HTTP answer)."""

    portal: str
    url: str
    event: str
    handler_id: int
    form: Pairs
    status: int | None
    error: str | None
    at: float

    @cached_property
    def fields(self) -> dict:
        """The form as nested dicts (`fields["auth"]["application_token"]`)."""
        return parse_pairs(self.form)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Dispatcher:
    """A FIFO of Jobs drained by one daemon thread started on first use."""

    def __init__(self, cloud: Cloud, *, timeout: float = 10.0) -> None:
        self.cloud = cloud
        self.timeout = timeout
        self._queue: deque[Job] = deque()
        self._pending: dict[int, int] = {}  # id(portal) -> jobs queued or in flight
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, job: Job) -> None:
        with self._cond:
            if job.portal.delivery_paused:
                job.portal.held_jobs.append(job)
                return
            self._queue.append(job)
            self._pending[id(job.portal)] = self._pending.get(id(job.portal), 0) + 1
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="sandbox-delivery",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def wait(self, timeout: float = 5.0, portal: PortalState | None = None) -> None:
        """Block until nothing is queued or in flight (for one portal or all); TimeoutError else."""
        def idle() -> bool:
            if portal is None:
                return not any(self._pending.values())
            return not self._pending.get(id(portal))

        with self._cond:
            if not self._cond.wait_for(idle, timeout):
                raise TimeoutError(f"sandbox: events still pending after {timeout}s")

    def pause(self, portal: PortalState) -> None:
        """Hold this portal's events (queued ones too) until resume()."""
        with self._cond:
            portal.delivery_paused = True

    def resume(self, portal: PortalState) -> None:
        """Send what was held, in order."""
        with self._cond:
            portal.delivery_paused = False
            held, portal.held_jobs = portal.held_jobs, []
            for job in held:
                self.submit(job)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 1)

    def _run(self) -> None:
        session = requests.Session()
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closed)
                if self._closed and not self._queue:
                    return
                job = self._queue.popleft()
                if job.portal.delivery_paused:  # paused while queued: hold it, not pending
                    job.portal.held_jobs.append(job)
                    self._pending[id(job.portal)] -= 1
                    self._cond.notify_all()
                    continue
            try:
                self._handle(job, session)
            except Exception:  # the worker must survive anything one job does
                logger.exception("sandbox.event.delivery_crashed",
                                 extra={"event": job.code, "portal": job.portal.name})
            finally:
                with self._cond:
                    key = id(job.portal)
                    self._pending[key] -= 1
                    self._cond.notify_all()

    def _handle(self, job: Job, session: requests.Session) -> None:
        portal = job.portal
        if not job.force and not portal.installed:
            return  # uninstalled while queued: nothing is sent any more
        form = build_form(job)
        status, error = None, None
        if portal.handler_down:
            error = "handler down (sandbox switch)"
        else:
            try:
                status = session.post(job.handler, data=form, timeout=self.timeout).status_code
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: {exc}"
        delivery = Delivery(portal.name, job.handler, job.code, job.handler_id, form, status,
                            error, portal.clock.time())
        portal.deliveries.append(delivery)
        if not delivery.ok:  # no retries: logged and dropped (EN:api-reference/events/index.md)
            logger.info("sandbox.event.delivery_failed",
                        extra={"event": job.code, "portal": portal.name, "status": status,
                               "error": error})
