"""HTTP face of the emulated cloud: one WSGI app, a LiveServer thread, running_cloud().

Routes (all on one host, so one server serves the OAuth server and every portal):
  GET|POST /oauth/token/                     sandbox.oauth.token
  GET|POST /rest/<method>                    the auth server's REST (app.info only)
  GET|POST /p/<name>/rest/<method>[.json]    a portal's REST (also /<user>/<code>/<method>)
  GET      /p/<name>/rest/download.json?token= a disk file's bytes (disk.file.get DOWNLOAD_URL)
  GET      /bx24/api/v1/                     sandbox/static/bx24.js (the BX24 JS stand-in)
  GET      /bx24/session?APP_SID=            what the parent frame tells BX24.getAuth()
  POST     /bx24/install-finish              BX24.installFinish()
  GET      /healthz
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from sandbox import install, oauth, rest
from sandbox.methods import disk
from sandbox.state import Cloud

STATIC = Path(__file__).parent / "static"
RULES = Map([
    Rule("/oauth/token/", endpoint="token", methods=["GET", "POST"]),
    Rule("/oauth/token", endpoint="token", methods=["GET", "POST"]),
    Rule("/rest/<path:method>", endpoint="auth_rest", methods=["GET", "POST", "OPTIONS"]),
    Rule("/p/<name>/rest/download.json", endpoint="disk_download", methods=["GET"]),
    Rule("/p/<name>/rest/<path:path>", endpoint="portal_rest",
         methods=["GET", "POST", "OPTIONS"]),
    Rule("/bx24/api/v1/", endpoint="bx24_js", methods=["GET"]),
    Rule("/bx24/session", endpoint="bx24_session", methods=["GET", "POST"]),
    Rule("/bx24/install-finish", endpoint="bx24_finish", methods=["POST", "OPTIONS"]),
    Rule("/healthz", endpoint="health", methods=["GET"]),
])


def _session(cloud: Cloud, request: Request) -> install.PageSession | None:
    sid = request.values.get("APP_SID", "")
    return cloud.sessions.get(sid)


def bx24_session(cloud: Cloud, request: Request) -> Response:
    """The frame's auth data, as the portal page hands it to BX24 in a real iframe."""
    session = _session(cloud, request)
    if session is None:
        return rest.json_response({"error": "NO_SESSION", "error_description": "APP_SID"}, 404)
    portal, grant = session.portal, session.grant
    return rest.json_response({
        "AUTH_ID": grant.access_token, "AUTH_EXPIRES": int(grant.expires_at - portal.clock.time()),
        "REFRESH_ID": grant.refresh_token, "member_id": portal.member_id,
        "DOMAIN": portal.domain, "client_endpoint": portal.client_endpoint,
        "PLACEMENT": session.placement, "PLACEMENT_OPTIONS": session.options,
        "LANG": portal.lang, "installed": portal.installed, "user_id": grant.user_id})


def bx24_finish(cloud: Cloud, request: Request) -> Response:
    """BX24.installFinish() from the install page's frame (admin's session only)."""
    if request.method == "OPTIONS":
        return Response("", 200, rest.CORS)
    session = _session(cloud, request)
    if session is None or not session.portal.is_admin(session.grant.user_id):
        return rest.json_response({"error": "ACCESS_DENIED", "error_description": ""}, 403)
    install.finish_install(session.portal)
    return rest.json_response({"result": True})


def disk_download(cloud: Cloud, request: Request, name: str) -> Response:
    """A disk file's bytes for a DOWNLOAD_URL (EN:api-reference/disk/file/disk-file-get.md)."""
    portal = cloud.portals.get(name)
    row = disk.resolve_download(portal, request.args.get("token", "")) if portal else None
    if row is None:
        return rest.json_response({"error": "ERROR_NOT_FOUND",
                                   "error_description": "File not found"}, 404)
    body = disk.content_of(row)
    kind = "audio/wav" if body[:4] == b"RIFF" else "audio/mpeg"
    return Response(body, 200, {"Content-Type": kind, "Content-Length": str(len(body)),
                                "Content-Disposition": f"attachment; filename=\"{row['ID']}"
                                f"{'.wav' if kind == 'audio/wav' else '.mp3'}\""})


def make_wsgi_app(cloud: Cloud) -> Callable:
    """The WSGI callable serving `cloud` (no Flask: werkzeug routing keeps bulk reads cheap)."""
    js = (STATIC / "bx24.js").read_bytes()

    def dispatch(request: Request) -> Response:
        endpoint, args = RULES.bind_to_environ(request.environ).match()
        if endpoint == "disk_download":
            return disk_download(cloud, request, args["name"])
        if endpoint == "portal_rest":
            return rest.handle(cloud, request, args["name"], args["path"])
        if endpoint == "token":
            return oauth.token(cloud, request)
        if endpoint == "auth_rest":
            return oauth.rest_method(cloud, request, args["method"])
        if endpoint == "bx24_js":
            return Response(js, 200, {"Content-Type": "application/javascript", **rest.CORS})
        if endpoint == "bx24_session":
            return bx24_session(cloud, request)
        if endpoint == "bx24_finish":
            return bx24_finish(cloud, request)
        return Response("ok", 200, {"Content-Type": "text/plain"})

    def app(environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        cloud.round_trip.wait()
        try:
            response = dispatch(request)
        except HTTPException as exc:
            response = exc.get_response()
        return response(environ, start_response)

    return app


class QuietHandler(WSGIRequestHandler):
    """Keep-alive (HTTP/1.1) for bulk benchmarks and no per-request access log."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class LiveServer:
    """A threaded werkzeug server on 127.0.0.1 (port 0 = any free port) in a daemon thread."""

    def __init__(self, app: Callable, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="sandbox-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def running_cloud(*, port: int = 0, **options: Any) -> Iterator[Cloud]:
    """A Cloud served on 127.0.0.1 for the duration of the block (options go to Cloud())."""
    cloud = Cloud(**options)
    server = LiveServer(make_wsgi_app(cloud), port=port)
    cloud.url = server.url
    cloud.server = server
    try:
        yield cloud
    finally:
        cloud.close()
        server.stop()
