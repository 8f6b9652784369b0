"""Fail loudly (exit 1) when the PostgreSQL for `make test-postgres` is not reachable."""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text


def main(url: str) -> int:
    try:
        with create_engine(url).connect() as conn:
            version = conn.execute(text("select version()")).scalar()
    except Exception as exc:  # any failure here means the suite cannot run on PostgreSQL
        print(f"ERROR: PostgreSQL at {url} is unreachable: {exc}", file=sys.stderr)
        print("Start it (pg_ctlcluster <ver> main start) or set TEST_DATABASE_URL.",
              file=sys.stderr)
        return 1
    print(f"PostgreSQL reachable: {str(version).split(',')[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
