#!/usr/bin/env bash
# The side-by-side benchmarks: chainrs vs Chainlit 2.12 vs a bare axum handler, in one run on
# this machine. Installs Chainlit into target/bench-venv on first use, starts each server in
# turn, drives it with `loadgen` / `storebench`, and prints a table of ratios; every figure goes
# to target/bench/results.jsonl and the summary to target/bench/report.json.
#
#   bash benches/run.sh            # the full run (N = 1, 50, 200, 1000; 10,000 idle sessions)
#   bash benches/run.sh --quick    # a smoke run (N = 1, 50; 1,000 idle sessions)
#   bash benches/run.sh --pin      # server on core 0, load generator on core 1
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
PIN=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --pin) PIN=1 ;;
    *) echo "usage: bash benches/run.sh [--quick] [--pin]" >&2; exit 2 ;;
  esac
done

OUT=target/bench
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"

echo "== building (release)"
cargo build --release -q -p echo -p chainrs-bench

VENV="$PWD/target/bench-venv"
if [ ! -x "$VENV/bin/chainlit" ]; then
  echo "== installing chainlit 2.12.0 into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q chainlit==2.12.0
fi
mkdir -p "$OUT/chainlit-app"
cp benches/chainlit/app.py "$OUT/chainlit-app/app.py"

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
SERVER_CPU=()
GEN_CPU=()
if [ "$PIN" = 1 ]; then
  SERVER_CPU=(taskset -c 0)
  GEN_CPU=(taskset -c 1)
fi

PORT=18700
PID=""
wait_port() {
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "the server on :$1 did not start; its log:" >&2
  cat "$OUT/server.log" >&2
  return 1
}
start() {
  PORT=$((PORT + 1))
  case "$1" in
    chainrs) CHAINRS_PORT=$PORT CHAINRS_SESSION_TIMEOUT=5 "${SERVER_CPU[@]}" ./target/release/echo >"$OUT/server.log" 2>&1 & ;;
    chainrs-sqlite)
      # The same app keeping every chat in a fresh SQLite file (the data layer on).
      rm -f "$OUT"/bench-chat.db*
      CHAINRS_DATABASE_URL="sqlite://$PWD/$OUT/bench-chat.db" CHAINRS_PORT=$PORT CHAINRS_SESSION_TIMEOUT=5 \
        "${SERVER_CPU[@]}" ./target/release/echo >"$OUT/server.log" 2>&1 & ;;
    bare) CHAINRS_PORT=$PORT "${SERVER_CPU[@]}" ./target/release/bare-axum >"$OUT/server.log" 2>&1 & ;;
    chainlit) (cd "$OUT/chainlit-app" && exec "${SERVER_CPU[@]}" "$VENV/bin/chainlit" run app.py --headless --port "$PORT") >"$OUT/server.log" 2>&1 & ;;
  esac
  PID=$!
  wait_port "$PORT"
}
stop() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
}
trap stop EXIT
gen() {
  "${GEN_CPU[@]}" ./target/release/loadgen --url "http://127.0.0.1:$PORT" --pid "$PID" "$@" >>"$RESULTS"
}

if [ "$QUICK" = 1 ]; then SESSIONS="1 50"; IDLE=1000; IDLE_CHAINLIT="300"; HISTORY="50"; else SESSIONS="1 50 200 1000"; IDLE=10000; IDLE_CHAINLIT="2000 5000 10000"; HISTORY="50 200"; fi

# chainrs runs are short, so each is repeated three times (alternating with its comparison)
# and the report takes the median; Chainlit's long runs are done once.
for n in $SESSIONS; do
  for rep in 1 2 3; do
    echo "== chat: chainrs, $n sessions x 20 messages (run $rep)"
    start chainrs
    gen --label "chat/chainrs/$n#$rep" --sessions "$n" --messages 20 --concurrency 50 --expire-wait 8 --timeout 900
    stop
  done
  echo "== chat: chainlit, $n sessions x 20 messages"
  start chainlit
  gen --label "chat/chainlit/$n#1" --sessions "$n" --messages 20 --concurrency 50 --expire-wait 8 --timeout 900
  stop
done

# History on: the same chat with the SQLite data layer, each run beside one without it. Each
# run is 10,000 messages (a run of 1,000 lasts a tenth of a second, shorter than this machine's
# swings), so N sessions send 10,000 / N messages each.
for n in $HISTORY; do
  m=$((10000 / n))
  for rep in 1 2 3; do
    for server in chainrs chainrs-sqlite; do
      echo "== chat with history: $server, $n sessions x $m messages (run $rep)"
      start "$server"
      gen --label "history/$server/$n#$rep" --sessions "$n" --messages "$m" --concurrency 50 --expire-wait 8 --timeout 900
      stop
    done
  done
done

for rep in 1 2 3; do
  for server in chainrs bare; do
    echo "== custom endpoints: $server (run $rep)"
    start "$server"
    gen --label "http/$server/ping#$rep" --http /custom/ping --method GET --requests 50000 --concurrency 50
    gen --label "http/$server/count#$rep" --http /custom/count --method POST --requests 50000 --concurrency 50
    stop
  done
done
echo "== custom endpoints: chainlit"
start chainlit
gen --label "http/chainlit/ping#1" --http /custom/ping --method GET --requests 5000 --concurrency 50
gen --label "http/chainlit/count#1" --http /custom/count --method POST --requests 5000 --concurrency 50
stop

echo "== idle sessions"
start chainrs
gen --label "idle/chainrs" --sessions "$IDLE" --messages 0 --concurrency 200 --expire-wait 8 --timeout 900
stop
# Chainlit: the largest N it sustains, of these (stop at the first with failed sessions).
for n in $IDLE_CHAINLIT; do
  echo "== idle sessions: chainlit, $n"
  start chainlit
  gen --label "idle/chainlit/$n" --sessions "$n" --messages 0 --concurrency 50 --expire-wait 8 --timeout 900
  stop
  failed=$(tail -1 "$RESULTS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["failed_sessions"])')
  if [ "$failed" != 0 ]; then break; fi
done

echo "== session store"
REDIS_URL="${CHAINRS_REDIS_URL:-redis://127.0.0.1:6379/}"
if [ -z "${CHAINRS_REDIS_URL:-}" ] && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  # No Redis answers: start one for this run (as .ci/run does), stopped at the end.
  command -v redis-server >/dev/null || { echo "the store benchmark needs redis-server (apt-get install redis-server)" >&2; exit 1; }
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --pidfile "$PWD/$OUT/redis.pid"
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
  STARTED_REDIS=1
fi
"${GEN_CPU[@]}" ./target/release/storebench --workers 50 --updates 2000 --redis "$REDIS_URL" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); d["label"]="store"; print(json.dumps(d))' >>"$RESULTS"
REDIS_HOST=$(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or 6379)' "$REDIS_URL")
read -r RH RP <<<"$REDIS_HOST"
redis-benchmark -h "$RH" -p "$RP" -q -n 200000 -c 50 -t set \
  | tr '\r' '\n' | grep -E "^SET: [0-9.]+ requests per second" | tail -1 \
  | python3 -c 'import json,sys,re; m=re.search(r"([0-9.]+) requests per second", sys.stdin.read()); print(json.dumps({"label":"store/redis-benchmark","set_per_second":float(m.group(1))}))' >>"$RESULTS"

# Redis traffic of a chat with Redis sessions: commands and bytes per message while the tab is
# connected, as the difference between a run with 20 messages per session and one with none
# (both open the same sessions), divided by the messages.
redis_totals() {
  redis-cli -h "$RH" -p "$RP" INFO stats | tr -d '\r' \
    | awk -F: '/^total_commands_processed:/{c=$2} /^total_net_input_bytes:/{i=$2} /^total_net_output_bytes:/{o=$2} END{print c, i+o}'
}
redis_run() { # $1: messages per session; prints "commands bytes" Redis saw during the run
  local before after
  CHAINRS_REDIS_URL="$REDIS_URL" CHAINRS_REDIS_PREFIX="bench:$$:$1:" start chainrs
  read -r c0 b0 <<<"$(redis_totals)"
  gen --label "redis/chainrs/$1" --sessions 50 --messages "$1" --concurrency 50 --expire-wait 0 --timeout 900
  read -r c1 b1 <<<"$(redis_totals)"
  stop
  echo "$((c1 - c0)) $((b1 - b0))"
}
for rep in 1 2 3; do
  echo "== Redis traffic per chat message (run $rep)"
  read -r c_none b_none <<<"$(redis_run 0)"
  read -r c_msgs b_msgs <<<"$(redis_run 20)"
  python3 -c 'import json,sys; c0,b0,c1,b1=map(int,sys.argv[1:5]); n=50*20; print(json.dumps({"label":"redis/per-message#%s" % sys.argv[5], "commands_per_message":(c1-c0)/n, "bytes_per_message":(b1-b0)/n, "commands_per_session_opened":c0/50}))' \
    "$c_none" "$b_none" "$c_msgs" "$b_msgs" "$rep" >>"$RESULTS"
done

# Reconnect to the first event: one instance without Redis, one with Redis (the tab coming back
# to it), and the tab moving to a second instance on the same Redis.
echo "== reconnect to the first event"
start chainrs
gen --label "reconnect/memory-same" --reconnects 200
stop
RC_PREFIX="bench:$$:reconnect:"
CHAINRS_REDIS_URL="$REDIS_URL" CHAINRS_REDIS_PREFIX="$RC_PREFIX" start chainrs
gen --label "reconnect/redis-same" --reconnects 200
OTHER_PORT=$((PORT + 100))
CHAINRS_REDIS_URL="$REDIS_URL" CHAINRS_REDIS_PREFIX="$RC_PREFIX" CHAINRS_PORT=$OTHER_PORT \
  "${SERVER_CPU[@]}" ./target/release/echo >"$OUT/server-b.log" 2>&1 &
OTHER_PID=$!
wait_port "$OTHER_PORT"
gen --label "reconnect/redis-other" --reconnects 200 --reconnect-url "http://127.0.0.1:$OTHER_PORT"
kill "$OTHER_PID" 2>/dev/null || true
wait "$OTHER_PID" 2>/dev/null || true
stop

if [ "${STARTED_REDIS:-0}" = 1 ]; then kill "$(cat "$OUT/redis.pid")" 2>/dev/null || true; fi

echo "== in-process (criterion)"
cargo bench -q -p chainrs-bench --bench inprocess -- --output-format bencher 2>/dev/null \
  | python3 -c '
import json, re, sys
for line in sys.stdin:
    m = re.match(r"test (\S+) \.\.\. bench:\s+([0-9,]+) ns/iter", line)
    if m:
        print(json.dumps({"label": "inprocess/" + m.group(1), "ns_per_iter": int(m.group(2).replace(",", ""))}))
' >>"$RESULTS"

python3 benches/report.py "$RESULTS" "$OUT/report.json" "$PIN"
