"""Turns the figures of one `benches/run.sh` run (JSON lines) into the table of ratios the
README shows, and a JSON summary. Usage: report.py results.jsonl report.json PINNED(0|1)"""

import json
import os
import platform
import sys


def throughput(row):
    return row.get("messages_per_second") or row.get("requests_per_second") or 0


def load(path):
    """Rows by label; repeated runs (`label#n`) collapse to the run with the median throughput."""
    runs = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                row = json.loads(line)
                runs.setdefault(row["label"].split("#")[0], []).append(row)
    rows = {}
    for label, group in runs.items():
        group.sort(key=throughput)
        rows[label] = dict(group[len(group) // 2], label=label, runs=len(group))
    return rows


def ratio(a, b):
    return a / b if a and b else float("nan")


def kib_per_session(row):
    rss = row["server_rss_kib"]
    if not rss.get("connected") or not rss.get("before"):
        return float("nan")
    return (rss["connected"] - rss["before"]) / row["sessions"]


def machine(pinned):
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model or platform.machine()}), {'server and generator pinned to separate cores' if pinned else 'not pinned'}"


def main():
    rows = load(sys.argv[1])
    pinned = sys.argv[3] == "1" if len(sys.argv) > 3 else False
    summary = {"machine": machine(pinned), "chat": [], "http": [], "store": {}, "idle": {}, "macro": {}}
    lines = [f"Machine: {summary['machine']}.", ""]

    lines += ["| sessions × 20 msgs | msgs/s chainrs | msgs/s Chainlit | ratio | reply p50 / p99 chainrs (ms) | reply p50 / p99 Chainlit (ms) | server CPU per msg, Chainlit ÷ chainrs | RSS after close − before, chainrs / Chainlit (KiB) |",
              "|---|---|---|---|---|---|---|---|"]
    sizes = sorted({int(k.split("/")[2]) for k in rows if k.startswith("chat/")})
    for n in sizes:
        a, b = rows.get(f"chat/chainrs/{n}"), rows.get(f"chat/chainlit/{n}")
        if not a or not b:
            continue
        cpu_a, cpu_b = a.get("server_cpu_ms_per_message"), b.get("server_cpu_ms_per_message")
        left_a = a["server_rss_kib"]["after_close"] - a["server_rss_kib"]["before"]
        left_b = b["server_rss_kib"]["after_close"] - b["server_rss_kib"]["before"]
        entry = {
            "sessions": n,
            "chainrs_msgs_per_s": a["messages_per_second"], "chainlit_msgs_per_s": b["messages_per_second"],
            "ratio": ratio(a["messages_per_second"], b["messages_per_second"]),
            "chainrs_reply_ms": [a["reply"]["p50_ms"], a["reply"]["p99_ms"]],
            "chainlit_reply_ms": [b["reply"]["p50_ms"], b["reply"]["p99_ms"]],
            "chainrs_cpu_ms_per_msg": cpu_a, "chainlit_cpu_ms_per_msg": cpu_b,
            "cpu_ratio": ratio(cpu_b, cpu_a),
            "rss_left_kib": [left_a, left_b],
            "failed_sessions": [a["failed_sessions"], b["failed_sessions"]],
        }
        summary["chat"].append(entry)
        cpu = f"{entry['cpu_ratio']:.0f}× ({cpu_a * 1000:.0f} µs vs {cpu_b * 1000:.0f} µs)" if cpu_a and cpu_b else "n/a"
        lines.append(
            f"| {n} | {a['messages_per_second']:,.0f} | {b['messages_per_second']:,.0f} | **{entry['ratio']:.0f}×** "
            f"| {a['reply']['p50_ms']:.2f} / {a['reply']['p99_ms']:.2f} | {b['reply']['p50_ms']:.0f} / {b['reply']['p99_ms']:.0f} "
            f"| {cpu} | {left_a:,} / {left_b:,} |")

    history = sorted({int(k.split("/")[2]) for k in rows if k.startswith("history/")})
    if history:
        summary["history"] = []
        lines += ["", "| sessions (10,000 msgs in all), history kept (SQLite) vs not | msgs/s off | msgs/s on | on ÷ off | server CPU per msg off / on (µs) | off ÷ on |", "|---|---|---|---|---|---|"]
    for n in history:
        off, on = rows.get(f"history/chainrs/{n}"), rows.get(f"history/chainrs-sqlite/{n}")
        if not off or not on:
            continue
        cpu_off, cpu_on = off.get("server_cpu_ms_per_message"), on.get("server_cpu_ms_per_message")
        entry = {"sessions": n, "off_msgs_per_s": off["messages_per_second"], "on_msgs_per_s": on["messages_per_second"],
                 "ratio": ratio(on["messages_per_second"], off["messages_per_second"]),
                 "cpu_ms_per_msg": [cpu_off, cpu_on], "cpu_ratio": ratio(cpu_off, cpu_on),
                 "failed_sessions": [off["failed_sessions"], on["failed_sessions"]]}
        summary["history"].append(entry)
        cpu = f"{cpu_off * 1000:.0f} / {cpu_on * 1000:.0f} | {entry['cpu_ratio']:.2f}" if cpu_off and cpu_on else "n/a | n/a"
        lines.append(f"| {n} | {off['messages_per_second']:,.0f} | {on['messages_per_second']:,.0f} | **{entry['ratio']:.2f}** | {cpu} |")

    lines += ["", "| custom endpoint | req/s chainrs | req/s bare axum | req/s Chainlit | chainrs ÷ bare axum | chainrs ÷ Chainlit |", "|---|---|---|---|---|---|"]
    for kind, what in [("ping", "GET /custom/ping (trivial)"), ("count", "POST /custom/count (reads and updates the session)")]:
        a, bare, c = (rows.get(f"http/{s}/{kind}") for s in ("chainrs", "bare", "chainlit"))
        if not (a and bare and c):
            continue
        entry = {"endpoint": kind, "chainrs": a["requests_per_second"], "bare_axum": bare["requests_per_second"], "chainlit": c["requests_per_second"]}
        summary["http"].append(entry)
        lines.append(f"| {what} | {entry['chainrs']:,.0f} | {entry['bare_axum']:,.0f} | {entry['chainlit']:,.0f} "
                     f"| {ratio(entry['chainrs'], entry['bare_axum']):.2f} | **{ratio(entry['chainrs'], entry['chainlit']):.0f}×** |")

    store, bench = rows.get("store"), rows.get("store/redis-benchmark")
    if store and bench:
        summary["store"] = {"memory_updates_per_s": store["memory_updates_per_second"], "redis_updates_per_s": store["redis_updates_per_second"], "redis_benchmark_set_per_s": bench["set_per_second"]}
        lines += ["", "| session store (50 writers) | updates/s | ÷ redis-benchmark SET/s |", "|---|---|---|",
                  f"| memory | {store['memory_updates_per_second']:,.0f} | |",
                  f"| Redis (read + compare-and-swap script: 2 round trips) | {store['redis_updates_per_second']:,.0f} | {ratio(store['redis_updates_per_second'], bench['set_per_second']):.2f} |",
                  f"| redis-benchmark SET (1 round trip, the limit) | {bench['set_per_second']:,.0f} | 1.00 |"]

    chainlit_idle = sorted(
        (r for k, r in rows.items() if k.startswith("idle/chainlit")),
        key=lambda r: (r["failed_sessions"] == 0, r["sessions"]),
    )
    a, b = rows.get("idle/chainrs"), (chainlit_idle[-1] if chainlit_idle else None)
    if a and b:
        summary["idle"] = {"chainrs_sessions": a["sessions"], "chainrs_kib_per_session": kib_per_session(a), "chainrs_failed": a["failed_sessions"],
                           "chainlit_sessions": b["sessions"], "chainlit_kib_per_session": kib_per_session(b), "chainlit_failed": b["failed_sessions"]}
        lines += ["", "| idle connected sessions | sessions | RSS per session (KiB) | RSS after close − before (KiB) |", "|---|---|---|---|",
                  f"| chainrs | {a['sessions']:,} ({a['failed_sessions']} failed) | {kib_per_session(a):.1f} | {a['server_rss_kib']['after_close'] - a['server_rss_kib']['before']:,} |",
                  f"| Chainlit | {b['sessions']:,} ({b['failed_sessions']} failed) | {kib_per_session(b):.1f} | {b['server_rss_kib']['after_close'] - b['server_rss_kib']['before']:,} |"]

    runs = []
    with open(sys.argv[1]) as f:
        runs = [json.loads(line) for line in f if line.strip() and json.loads(line)["label"].startswith("redis/per-message")]
    if runs:
        runs.sort(key=lambda r: r["commands_per_message"])
        r = runs[len(runs) // 2]
        summary["redis"] = {"commands_per_message": r["commands_per_message"], "bytes_per_message": r["bytes_per_message"], "runs": len(runs)}
        each = ", ".join("%.2f" % x["commands_per_message"] for x in runs)
        lines += ["", "| Redis traffic, 50 connected tabs × 20 messages (median of runs) | per chat message |", "|---|---|",
                  f"| commands | {r['commands_per_message']:.2f} (runs: {each}) |",
                  f"| bytes in + out | {r['bytes_per_message']:.0f} |"]

    reconnects = [(k.split("/")[1], rows[k]) for k in ("reconnect/memory-same", "reconnect/redis-same", "reconnect/redis-other") if k in rows]
    if reconnects:
        summary["reconnect"] = {name: r["reconnect_to_first_event_ms"] for name, r in reconnects}
        lines += ["", "| reconnect (200 chats, one after the other) | to the first event p50 / p90 / p99 (ms) |", "|---|---|"]
        for name, r in reconnects:
            t = r["reconnect_to_first_event_ms"]
            lines.append(f"| {name} | {t['p50_ms']:.2f} / {t['p90_ms']:.2f} / {t['p99_ms']:.2f} |")

    m, h, m2, s = (rows.get(f"inprocess/{k}") for k in ("chat_turn/attribute_macro", "chat_turn/registered_by_hand", "chat_turn/attribute_macro_again", "store_update/memory"))
    if m and h:
        summary["macro"] = {"attribute_ns": m["ns_per_iter"], "by_hand_ns": h["ns_per_iter"], "attribute_again_ns": m2 and m2["ns_per_iter"], "memory_update_ns": s and s["ns_per_iter"]}
        lines += ["", "| in process (criterion) | ns per iteration |", "|---|---|",
                  f"| a chat turn, `#[on_message]` handler | {m['ns_per_iter']:,} |",
                  f"| the same turn, handler registered by hand | {h['ns_per_iter']:,} (macro ÷ by hand {ratio(m['ns_per_iter'], h['ns_per_iter']):.3f}) |"]
        if m2:
            lines.append(f"| the `#[on_message]` turn again, after (run-to-run noise) | {m2['ns_per_iter']:,} (÷ by hand {ratio(m2['ns_per_iter'], h['ns_per_iter']):.3f}) |")
        if s:
            lines.append(f"| one memory-store update (read + compare-and-swap) | {s['ns_per_iter']:,} |")
    t = rows.get("inprocess/threads_page/sqlite_10000")
    if t:
        summary["threads_page_ns"] = t["ns_per_iter"]
        lines.append(f"| `POST /project/threads` (first 20, SQLite), one user with 10,000 threads | {t['ns_per_iter']:,} |")

    print("\n".join(lines))
    with open(sys.argv[2], "w") as f:
        json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
