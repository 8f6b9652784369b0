"""A private, throwaway PostgreSQL cluster for the database-restart fault.

Never the shared server: other sessions use it, and this test stops its server with
`-m immediate`. initdb refuses root, so the cluster belongs to the `postgres` OS user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import free_port

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class Cluster:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/faults"

    def ctl(self, *args: str) -> None:
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args)

    def start(self) -> None:
        self.ctl("-l", str(self.data.parent / "server.log"), "-o",
                 f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 "
                 "-c fsync=off -c max_connections=100", "start")

    def crash(self) -> None:
        """Stop the server the hard way: no checkpoint, connections cut (a crash, a kill)."""
        self.ctl("-m", "immediate", "stop")


def _as_postgres(*argv: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *argv], check=True, capture_output=True, timeout=120)


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """initdb in a temp dir, start on a free port, create database `faults`; removed after."""
    root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    cluster = Cluster(root / "data", free_port())
    try:
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        _as_postgres(str(BIN / "initdb"), "-D", str(cluster.data), "-A", "trust",
                     "-U", "postgres", "--no-sync", "-E", "UTF8")
        cluster.start()
        _as_postgres(str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(cluster.port),
                     "-U", "postgres", "faults")
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.ctl("-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)
