#!/usr/bin/env bash
# Join latency: time from launching a new server JVM (cluster: 1 balancer + 1 server already up) until the first
# client connection through the balancer reaches it. See bench/README.md.
# Usage: bench/join-latency.sh [--runs 3] [--base-port 19100] [--cluster-port 5871] [--keep]
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=3 BASE_PORT=19100 CLUSTER_PORT=5871
usage() { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=${2:-}; posint "$1" "$RUNS"; shift 2 ;;
    --base-port) BASE_PORT=${2:-}; posint "$1" "$BASE_PORT"; shift 2 ;;
    --cluster-port) CLUSTER_PORT=${2:-}; posint "$1" "$CLUSTER_PORT"; shift 2 ;;
    --keep) KEEP_TMP=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "join-latency.sh: unknown argument '$1'" >&2; usage 2 ;;
  esac
done

CLUSTER="bench-join-$$"
CLUSTER_LAST=$((CLUSTER_PORT + 9))
WHOAMI_PORT=$((BASE_PORT + 80))
START_TIMEOUT=120
JOIN_TIMEOUT=90

bench_init
command -v curl >/dev/null || die "curl is needed"
ensure_jar
check_ports_free "$WHOAMI_PORT" $(seq "$CLUSTER_PORT" "$CLUSTER_LAST")
log "temp dir $TMP, cluster $CLUSTER on 127.0.0.1:$CLUSTER_PORT-$CLUSTER_LAST, whoami frontend 127.0.0.1:$WHOAMI_PORT"

cluster_json() {
  printf '{"name":"%s","host":"127.0.0.1","port":%d,"portAutoIncrement":true,"members":["127.0.0.1:%d-%d"],"multicast":false}' \
    "$CLUSTER" "$CLUSTER_PORT" "$CLUSTER_PORT" "$CLUSTER_LAST"
}
server_config() {   # server_config NAME FILE
  printf '{"role":"server","node":{"name":"%s"},"cluster":%s,"services":{"whoami":{"type":"whoami","pool":"whoami","host":"127.0.0.1","port":0,"weight":1}}}\n' \
    "$1" "$(cluster_json)" >"$2"
}
drop_pid() {   # forget a pid we already stopped
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
# Milliseconds since the epoch of a log line's HH:MM:SS.mmm (today, local time, as logback writes it).
log_ms() { date -d "$(date +%F) $1" +%s%3N; }
whoami() { curl -s --max-time 1 "http://127.0.0.1:$WHOAMI_PORT/" 2>/dev/null || true; }

# The standing cluster: one server, one balancer with a whoami frontend.
BASE_NAME="base-$$"
server_config "$BASE_NAME" "$TMP/base.json"
start_node base --role server --config "$TMP/base.json"
BASE_PID=$LAST_PID
wait_for_log "$BASE_PID" "$TMP/base.log" 'service whoami: pool whoami at' $START_TIMEOUT
printf '{"role":"balancer","admin":{"enabled":false},"node":{"name":"lb-%s"},"cluster":%s,"frontends":{"whoami":{"host":"127.0.0.1","port":%d,"pool":"whoami","mode":"tcp","algorithm":"roundrobin","connectTimeoutMs":2000,"retries":2}}}\n' \
  "$$" "$(cluster_json)" "$WHOAMI_PORT" >"$TMP/balancer.json"
start_node balancer --role balancer --config "$TMP/balancer.json"
LB_PID=$LAST_PID
wait_for_log "$LB_PID" "$TMP/balancer.log" 'frontend whoami: listening on' $START_TIMEOUT
wait_for_log "$LB_PID" "$TMP/balancer.log" "node joined: $BASE_NAME \\(server\\)" $START_TIMEOUT
[[ $(whoami) == *"\"server\":\"$BASE_NAME\""* ]] || die "whoami through the balancer does not answer from $BASE_NAME"
log "ready: $BASE_NAME behind lb-$$"

TOTALS=()
ROUTED=()
ROWS=()
for ((run = 1; run <= RUNS; run++)); do
  name="join$run-$$"
  server_config "$name" "$TMP/$name.json"
  t0=$(now_ms)
  start_node "$name" --role server --config "$TMP/$name.json"
  pid=$LAST_PID
  deadline=$((t0 + JOIN_TIMEOUT * 1000))
  polls=0 t1="" sent=""
  while :; do
    ts=$(now_ms)
    [ "$ts" -lt "$deadline" ] || break
    polls=$((polls + 1))
    body=$(whoami)
    echo "$ts $(now_ms) $body" >>"$TMP/$name.polls"
    if [[ $body == *"\"server\":\"$name\""* ]]; then sent=$ts; t1=$(now_ms); break; fi
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$TMP/$name.log" >&2; exit_status "$pid"; die "$name (pid $pid) $EXIT_DESC"; }
    sleep 0.01
  done
  [ -n "$t1" ] || die "$name not reached through the balancer within ${JOIN_TIMEOUT}s"
  total=$((t1 - t0))
  routed=$((sent - t0))
  # Where the time went, from the nodes' own log timestamps (millisecond resolution).
  up=$(grep -m1 -oE "^[0-9:.]+ .*server $name up" "$TMP/$name.log" | cut -d' ' -f1 || true)
  seen=$(grep -m1 -oE "^[0-9:.]+ .*node joined: $name \\(server\\)" "$TMP/balancer.log" | cut -d' ' -f1 || true)
  up_ms=$([ -n "$up" ] && echo $(($(log_ms "$up") - t0)) || echo '?')
  seen_ms=$([ -n "$seen" ] && echo $(($(log_ms "$seen") - t0)) || echo '?')
  log "run $run: $name answered through the balancer after $total ms ($polls polls)"
  TOTALS+=("$total")
  ROUTED+=("$routed")
  ROWS+=("$(printf '%-4s %-16s %8s %8s %8s %9s %6s' "$run" "$name" "$up_ms" "$seen_ms" "$routed" "$total" "$polls")")
  # Back to 1 balancer + 1 server before the next run.
  stop_pids "$pid"
  drop_pid "$pid"
  wait_for_log "$LB_PID" "$TMP/balancer.log" "node left: $name" 30
done

echo
echo "== join latency: new server JVM launched -> first connection through the balancer reaches it =="
echo "machine: nproc=$(nproc), loadavg $(cut -d' ' -f1-3 /proc/loadavg); cluster: 1 balancer + 1 server + the new one, all on 127.0.0.1"
echo "poll: curl to the balancer's whoami frontend back to back, 10 ms apart (roundrobin over 1, then 2 servers); --keep keeps each poll in the temp dir"
echo
printf '%-4s %-16s %8s %8s %8s %9s %6s\n' run node up "lb saw" routed answered polls
printf '%s\n' "${ROWS[@]}"
echo
echo "median answered: $(median "${TOTALS[@]}") ms (each: ${TOTALS[*]}); median routed: $(median "${ROUTED[@]}") ms (each: ${ROUTED[*]}); $RUNS runs"
echo "all in ms after the new JVM was launched. up: the new node logged 'server NAME up' (JVM start, Hazelcast join,"
echo "announce); lb saw: the balancer logged 'node joined: NAME'; routed: the first curl whose connection the balancer"
echo "sent to the new node was started; answered: its reply arrived (includes the cold JVM's first HTTP response)."
