"""A real SIP call path on loopback for the PBX test: Kamailio (deploy/kamailio/kamailio.cfg)
and SIPp user agents — phones that register and answer after N seconds or never, and a caller.

Everything binds 127.0.0.1 on free ports and is stopped by the test (context managers). The
binaries come from Debian (`make pbx-tools`); a missing one fails the test loudly.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KAMAILIO_CFG = ROOT / "deploy" / "kamailio" / "kamailio.cfg"
REQUIRED = {"kamailio": "kamailio", "sipp": "sip-tester"}
MODULES = {"http_client.so": "kamailio-utils-modules", "jansson.so": "kamailio-extra-modules"}
MODULE_DIR = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules")
SCENARIOS = Path(__file__).parent / "sipp"  # SIPp XML, {placeholders} filled per run
# register.xml: a phone's REGISTER; phone.xml: rings (180), answers after {answer_ms} unless
# CANCELed first, talks until BYE; caller.xml: the client calling the line, talks {talk_ms}.
REGISTER, PHONE, CALLER = ((SCENARIOS / f"{n}.xml").read_text()
                           for n in ("register", "phone", "caller"))


def missing_tools() -> list[str]:
    """Debian packages to install before the PBX test can run (empty: all there)."""
    absent = [pkg for tool, pkg in REQUIRED.items() if shutil.which(tool) is None]
    absent += [pkg for mod, pkg in MODULES.items() if not (MODULE_DIR / mod).exists()]
    return sorted(set(absent))


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_udp_answers(port: int, timeout: float = 10.0) -> None:
    """Kamailio is up when it answers an OPTIONS (405 from our script) on its port."""
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(0.3)
        me = s.getsockname()[1]
        while time.monotonic() < deadline:
            s.sendto((f"OPTIONS sip:ping@127.0.0.1:{port} SIP/2.0\r\n"
                      f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bK-ping{time.time_ns()}\r\n"
                      f"From: <sip:ping@127.0.0.1>;tag=p\r\nTo: <sip:ping@127.0.0.1>\r\n"
                      f"Call-ID: ping-{time.time_ns()}\r\nCSeq: 1 OPTIONS\r\n"
                      "Max-Forwards: 5\r\nContent-Length: 0\r\n\r\n").encode(),
                     ("127.0.0.1", port))
            try:
                if s.recv(4096).startswith(b"SIP/2.0"):
                    return
            except TimeoutError:
                continue
    raise AssertionError(f"kamailio did not answer on udp {port}")


@dataclass
class Kamailio:
    port: int
    log: Path
    proc: subprocess.Popen

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def kamailio(tmp: Path, *, route_url: str, secret: str) -> Iterator[Kamailio]:
    port = free_udp_port()
    runtime = tmp / "kamailio-run"
    runtime.mkdir()
    log = tmp / "kamailio.log"
    cmd = ["kamailio", "-DD", "-E", "-f", str(KAMAILIO_CFG), "-Y", str(runtime),
           "-l", f"udp:127.0.0.1:{port}", "-m", "64", "-M", "8", "-w", str(tmp),
           "-A", f'ROUTE_URL="{route_url}"', "-A", f'PBX_SECRET="{secret}"']
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_udp_answers(port)
        yield Kamailio(port, log, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)






def _sipp(tmp: Path, name: str, scenario: str, *args: str) -> tuple[list[str], Path]:
    path = tmp / f"{name}.xml"
    path.write_text(scenario)
    trace = tmp / f"{name}.msg"
    return (["sipp", *args, "-sf", str(path), "-i", "127.0.0.1", "-trace_msg",
             "-message_file", str(trace), "-nostdin", "-nd",
             "-deadcall_wait", "0", "-max_recv_loops", "1000"], trace)


@dataclass
class Phone:
    ext: str
    port: int
    trace: Path
    proc: subprocess.Popen
    rings: list[tuple[datetime, datetime, str]] = field(default_factory=list)

    def calls(self) -> list[tuple[datetime, datetime, str]]:
        """(INVITE received, how it ended, "answered" | "cancelled") per ring, in order."""
        return parse_rings(self.trace.read_text(errors="replace") if self.trace.exists()
                           else "")


BLOCK = re.compile(r"^-{20,} (\d{4}-\d\d-\d\d)\s+(\d\d:\d\d:\d\d\.\d+)\s*\n"
                   r"UDP message (received|sent)[^\n]*\n(.*?)(?=^-{20,}|\Z)", re.M | re.S)
BRANCH = re.compile(r"^Via:[^\n]*?;branch=([^;,\s]+)", re.M | re.I)


def parse_rings(text: str) -> list[tuple[datetime, datetime, str]]:
    """The phone's rings from its SIPp message trace, in order: (INVITE in, CANCEL in or our
    200 out, "cancelled" | "answered"). Rings are told apart by the Via branch: with serial
    forking the next step's INVITE (same Call-ID) may arrive just before the CANCEL of the
    previous one, and a retransmitted INVITE is the same ring."""
    started: dict[str, datetime] = {}
    rings: list[tuple[datetime, datetime, str]] = []
    for day, clock, direction, body in BLOCK.findall(text):
        at = datetime.fromisoformat(f"{day}T{clock}")
        first = body.strip().split("\n", 1)[0]
        via = BRANCH.search(body)
        branch = via.group(1) if via else ""
        if direction == "received" and first.startswith("INVITE "):
            started.setdefault(branch, at)
        elif direction == "received" and first.startswith("CANCEL ") and branch in started:
            rings.append((started.pop(branch), at, "cancelled"))
        elif direction == "sent" and first.startswith("SIP/2.0 200") and "INVITE" in body \
                and branch in started:
            rings.append((started.pop(branch), at, "answered"))
    return sorted(rings)


@contextmanager
def phones(tmp: Path, kamailio_port: int,
           answers: dict[str, float | None]) -> Iterator[dict[str, Phone]]:
    """One registered SIPp phone per extension: answer after N s, or never (None)."""
    running: dict[str, Phone] = {}
    try:
        for ext, after in answers.items():
            port = free_udp_port()
            ms = 600_000 if after is None else int(after * 1000)
            cmd, trace = _sipp(tmp, f"phone-{ext}", PHONE.format(ext=ext, answer_ms=ms),
                               "-p", str(port), "-m", "20")
            log = (tmp / f"phone-{ext}.out").open("wb")
            running[ext] = Phone(ext, port, trace, subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, cwd=tmp))
            reg, _ = _sipp(tmp, f"register-{ext}", REGISTER.format(uas_port=port),
                           f"127.0.0.1:{kamailio_port}", "-s", ext, "-m", "1",
                           "-p", str(free_udp_port()), "-timeout", "10s")
            done = subprocess.run(reg, cwd=tmp, capture_output=True, timeout=20)
            assert done.returncode == 0, f"REGISTER {ext} failed: {done.stdout[-2000:]!r}"
        yield running
    finally:
        for phone in running.values():
            phone.proc.terminate()
        for phone in running.values():
            try:
                phone.proc.wait(5)
            except subprocess.TimeoutExpired:
                phone.proc.kill()


def call(tmp: Path, kamailio_port: int, *, caller: str, line: str, talk_s: float,
         timeout_s: int = 90) -> subprocess.CompletedProcess:
    """Place one call from `caller` to the company `line` and wait until it is over."""
    cmd, _ = _sipp(tmp, "caller", CALLER.format(caller=caller, talk_ms=int(talk_s * 1000)),
                   f"127.0.0.1:{kamailio_port}", "-s", line, "-m", "1",
                   "-p", str(free_udp_port()), "-timeout", f"{timeout_s}s")
    return subprocess.run(cmd, cwd=tmp, capture_output=True, timeout=timeout_s + 10)
