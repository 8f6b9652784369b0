"""disk.file.get and the portal's disk files that hold call recordings.

Facts (EN:api-reference/disk/file/disk-file-get.md): scope `disk`; `id` required, missing or
not an integer -> ERROR_ARGUMENT "Invalid value of parameter {Parameter #0}", unknown ->
ERROR_NOT_FOUND "Could not find entity with id `X`"; the answer is the file's fields as strings
(ID, NAME, CODE, STORAGE_ID, TYPE "file", PARENT_ID, DELETED_TYPE "0", GLOBAL_CONTENT_VERSION,
FILE_ID, SIZE, CREATE/UPDATE/DELETE_TIME, CREATED/UPDATED/DELETED_BY, DOWNLOAD_URL, DETAIL_URL).
A call recording is such a file: the statistics row names it in RECORD_FILE_ID
(EN:api-reference/telephony/voximplant/voximplant-statistic-get.md, the docs' example row).
Decisions (docs silent on the download itself): DOWNLOAD_URL is `<client_endpoint>download.json`
with a signed `token` that expires after an hour (the real one also carries the caller's
`auth`); the bytes of a recording the emulator made itself are one deterministic WAV tone.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import math
import secrets
import struct
import wave
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import quote

from sandbox import crm_common as cc
from sandbox.errors import RestError
from sandbox.listing import param
from sandbox.registry import CallContext, method

FILES = "disk.file"
STORAGE_ID, FOLDER_ID = "1", "3"  # the portal's common storage, its "Телефония — записи" folder
LINK_SECONDS = 3600
RATE, TONE_HZ, TONE_SECONDS = 8000, 440, 1.5


@cache
def tone_wav() -> bytes:
    """A 1.5 s 440 Hz mono 16-bit WAV: what every emulated recording sounds like."""
    frames = b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * TONE_HZ * i / RATE)))
                      for i in range(int(RATE * TONE_SECONDS)))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(frames)
    return out.getvalue()


def add_file(portal: Any, name: str, *, user_id: int, content: bytes | None = None,
             created: datetime | None = None) -> int:
    """A new disk file (content None: the emulator's tone); returns its id."""
    now = cc.fmt_dt(created or portal.clock.now())
    row = {"NAME": name, "CODE": None, "STORAGE_ID": STORAGE_ID, "TYPE": "file",
           "PARENT_ID": FOLDER_ID, "DELETED_TYPE": "0", "GLOBAL_CONTENT_VERSION": "1",
           "FILE_ID": str(cc.next_seq(portal, "b_file") + 30000), "CREATE_TIME": now,
           "UPDATE_TIME": now, "DELETE_TIME": None, "CREATED_BY": str(user_id),
           "UPDATED_BY": str(user_id), "DELETED_BY": "0", "_CONTENT": content}
    return portal.table(FILES).insert(row)


def content_of(row: dict) -> bytes:
    return row["_CONTENT"] if row["_CONTENT"] is not None else tone_wav()


def _secret(portal: Any) -> bytes:
    return portal.meta.setdefault("_disk_secret", secrets.token_bytes(16))


def _sign(portal: Any, file_id: int, expires: int) -> str:
    body = f"{file_id}|{expires}"
    mac = hmac.new(_secret(portal), body.encode(), hashlib.sha256).hexdigest()[:32]
    return f"disk|{body}|{mac}"


def download_url(portal: Any, file_id: int) -> str:
    expires = int(portal.clock.time()) + LINK_SECONDS
    return f"{portal.client_endpoint}download.json?token={quote(_sign(portal, file_id, expires))}"


def resolve_download(portal: Any, token: str) -> dict | None:
    """The file a DOWNLOAD_URL token names, or None (forged, expired or deleted)."""
    parts = token.split("|")
    if len(parts) != 4 or parts[0] != "disk" or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    file_id, expires = int(parts[1]), int(parts[2])
    if not hmac.compare_digest(_sign(portal, file_id, expires), token):
        return None
    if expires < portal.clock.time():
        return None
    return portal.table(FILES).get(file_id)


def render(portal: Any, row: dict) -> dict:
    out = {k: v for k, v in row.items() if not k.startswith("_")}
    out["SIZE"] = str(len(content_of(row)))
    out["DOWNLOAD_URL"] = download_url(portal, int(row["ID"]))
    out["DETAIL_URL"] = (f"https://{portal.domain}/docs/path/Телефония — записи/"
                         f"{row['NAME']}")
    return out


@method("disk.file.get", scope="disk")
def file_get(ctx: CallContext, params: dict) -> dict:
    raw = param(params, "id")
    try:
        file_id = int(str(raw))
    except ValueError:
        raise RestError("ERROR_ARGUMENT", "Invalid value of parameter {Parameter #0}",
                        400) from None
    row = ctx.portal.table(FILES).get(file_id)
    if row is None or row["DELETED_TYPE"] != "0":
        raise RestError("ERROR_NOT_FOUND", f"Could not find entity with id `{file_id}`", 400)
    return render(ctx.portal, row)
