"""Call recordings played in our pages: the bytes come through the app, never the portal URL.

A recording is a portal disk file (Call.record_file_id). GET /app/call/<id>/record asks
disk.file.get for its DOWNLOAD_URL (EN:api-reference/disk/file/disk-file-get.md) and streams
the answer, so the browser sees neither the portal's address nor the token in that URL. Who may
listen: whoever may see the call on the calls page, i.e. any verified viewer of its portal.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests
from flask import Response, abort, stream_with_context
from sqlalchemy import select

from b24.errors import B24Error
from handlers.exchange.actions import action_context
from pages import bp
from pages.kit import portal, release, sessions, settings, viewer, viewer_required
from store.db import get_session
from store.models import Call

logger = logging.getLogger(__name__)
CHUNK = 64 * 1024
TIMEOUT = (5, 30)  # connect, read (seconds)
TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg"}


def record_file(call_row_id: int) -> int | None:
    """The disk file of one of this portal's calls, or None (unknown id, other portal)."""
    return get_session().scalar(select(Call.record_file_id).where(
        Call.id == call_row_id, Call.portal_id == portal().id))


def same_portal(url: str, client_endpoint: str) -> bool:
    """DOWNLOAD_URL must point at the portal we asked, or we would fetch anything it names."""
    a, b = urlsplit(url), urlsplit(client_endpoint)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc) and a.scheme in ("http", "https")


def content_type(upstream: requests.Response, name: str) -> str:
    kind = upstream.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind.startswith("audio/"):
        return kind
    return next((t for ext, t in TYPES.items() if name.lower().endswith(ext)), "audio/mpeg")


@bp.get("/call/<id:call_row_id>/record")
@viewer_required()
def call_record(call_row_id: int) -> Response:
    """Stream a call's recording from the portal (404 if the call has none here)."""
    file_id = record_file(call_row_id)
    if file_id is None:
        abort(404)
    release()
    try:
        with action_context(portal(), sessions(), settings()) as ctx:
            file = ctx.b24.call("disk.file.get", {"id": file_id})
    except B24Error as exc:
        logger.warning("web.record.portal_error", extra={
            "member_id": viewer().member_id, "call": call_row_id, "error": str(exc)})
        abort(502)
    url = str(file.get("DOWNLOAD_URL") or "")
    if not same_portal(url, portal().client_endpoint):
        logger.warning("web.record.foreign_url", extra={"member_id": viewer().member_id,
                                                        "call": call_row_id})
        abort(502)
    try:
        upstream = requests.get(url, stream=True, timeout=TIMEOUT)
    except requests.RequestException:
        abort(502)
    if upstream.status_code != 200:
        upstream.close()
        abort(502)
    headers = {"Content-Disposition": f'inline; filename="call-{call_row_id}'
               f'{_extension(str(file.get("NAME") or ""))}"'}
    if upstream.headers.get("Content-Length", "").isdigit():
        headers["Content-Length"] = upstream.headers["Content-Length"]
    return Response(stream_with_context(_chunks(upstream)), 200, headers,
                    mimetype=content_type(upstream, str(file.get("NAME") or "")))


def _extension(name: str) -> str:
    return next((ext for ext in TYPES if name.lower().endswith(ext)), "")


def _chunks(upstream: requests.Response) -> Iterator[bytes]:
    try:
        yield from upstream.iter_content(CHUNK)
    finally:
        upstream.close()
