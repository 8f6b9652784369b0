"""`make bench`: every benchmark, one after another, then a table of the figures."""

from __future__ import annotations

import os
import platform

from bench import ack, bulk, call_kpis, drain, page_render, routing


def main() -> None:
    rows: list[tuple[str, str, str]] = []
    a = ack.main([])
    rows.append(("webhook ack @300 req/s (gunicorn -w 2, SQLite)",
                 f"p50 {a['p50_ms']:.1f} ms, p99 {a['p99_ms']:.1f} ms, lost {a['lost']}",
                 "p99 < 25 ms, 0 lost"))
    d = drain.main([])
    rows.append(("backlog drain under 2 req/s",
                 f"{d['ours_events_per_s']:.1f} ev/s (naive {d['naive_events_per_s']:.2f})",
                 ">= 40 ev/s (naive <= 1)"))
    b = bulk.main([])
    rows.append(("bulk read 100 000 deals, burst spent",
                 f"{b['ours_steady']:,.0f} deals/s (fast_bitrix24 "
                 f"{b.get('peer_steady', float('nan')):,.0f})", ">= 4 500 deals/s"))
    rows.append(("bulk read 100 000 deals, fresh burst",
                 f"{b['ours_burst']:,.0f} deals/s (fast_bitrix24 "
                 f"{b.get('peer_burst', float('nan')):,.0f})", "-"))
    p = page_render.main([])
    rows.append(("exchange board, 5 000 waiting deals",
                 f"p50 {p['board_p50_ms']:.0f} ms, p99 {p['board_p99_ms']:.0f} ms", "< 300 ms"))
    r = routing.main([])
    rows.append(("PBX routing API @200 req/s (gunicorn -w 2, SQLite)",
                 f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, errors {r['errors']}",
                 "p99 < 50 ms, 0 errors"))
    c = call_kpis.main([])
    rows.append(("call KPIs over 1 000 000 calls (SQLite, 6 queries)",
                 f"{c['total'] * 1000:.0f} ms wall, {c['total_cpu'] * 1000:.0f} ms CPU",
                 "< 2 000 ms"))
    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value:<45}  target {target}")


if __name__ == "__main__":
    main()
