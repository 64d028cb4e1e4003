#!/usr/bin/env bash
# Message mode vs tcp mode: the same 3 Ferry echo servers behind one balancer with a tcp and a message frontend.
# See bench/README.md. Usage: bench/message.sh [--rounds 3] [--duration 10] [--connections 50] [--size 64]
#                                              [--warmup 5] [--threads N] [--base-port 19100] [--cluster-port 5881] [--keep]
# --size: bytes per request frame in both modes (message mode sends SIZE-1 payload bytes + "\n"); --threads: event loops
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=3 DURATION=10 CONNECTIONS=50 SIZE=64 WARMUP=5 BASE_PORT=19100 CLUSTER_PORT=5881 THREADS=$(nproc)

parse_run_opts "$@"
[ "$SIZE" -ge 2 ] || { echo "message.sh: --size must be at least 2 (1 payload byte + newline)" >&2; exit 2; }

CLUSTER="bench-msg-$$"
CLUSTER_LAST=$((CLUSTER_PORT + 9))
ECHO_PORTS=($((BASE_PORT + 1)) $((BASE_PORT + 2)) $((BASE_PORT + 3)))
TCP_PORT=$((BASE_PORT + 10))
MSG_PORT=$((BASE_PORT + 11))
MSG_PAYLOAD=$((SIZE - 1))   # + "\n" = SIZE bytes on the wire, like the tcp run's SIZE raw bytes
START_TIMEOUT=120   # seconds for any node to become ready

bench_init

# --- 1. prerequisites -------------------------------------------------------------------------------------
command -v python3 >/dev/null || die "python3 is needed to parse the client's JSON"
ensure_jar
if ! java -jar "$JAR" --role client --help 2>&1 | grep -q -- '--codec'; then
  die "this ferry.jar's client has no --codec flag yet (message mode client not built in)"
fi
check_ports_free "${ECHO_PORTS[@]}" "$TCP_PORT" "$MSG_PORT" $(seq "$CLUSTER_PORT" "$CLUSTER_LAST")
log "temp dir $TMP, cluster $CLUSTER on 127.0.0.1:$CLUSTER_PORT-$CLUSTER_LAST"

cluster_json() {
  printf '{"name":"%s","host":"127.0.0.1","port":%d,"portAutoIncrement":true,"members":["127.0.0.1:%d-%d"],"multicast":false}' \
    "$CLUSTER" "$CLUSTER_PORT" "$CLUSTER_PORT" "$CLUSTER_LAST"
}

# --- 2. echo servers and the balancer ---------------------------------------------------------------------
start_server() {   # start_server N
  local n=$1 name="echo$1-$$"
  printf '{"role":"server","node":{"name":"%s","eventLoops":%d},"cluster":%s,"services":{"echo":{"type":"echo","pool":"echo","host":"127.0.0.1","port":%d,"weight":1}}}\n' \
    "$name" "$THREADS" "$(cluster_json)" "${ECHO_PORTS[n-1]}" >"$TMP/server$n.json"
  start_node "server$n" --role server --config "$TMP/server$n.json"
  SERVER_PIDS[n]=$LAST_PID
}
# The echo service must announce both its tcp port and its message address.
READY_RE='service echo: pool echo at 127\.0\.0\.1:[0-9]+, messages'
declare -a SERVER_PIDS

# The first member alone, so the others join an existing cluster instead of racing to form one each.
start_server 1
wait_for_log "${SERVER_PIDS[1]}" "$TMP/server1.log" "$READY_RE" $START_TIMEOUT
start_server 2
start_server 3
# Message frontend: default maxInFlight, requestTimeoutMs, maxFrameBytes, retries, sticky.
# No admin HTTP server: its default port (9090) would clash with other balancers on the machine.
printf '{"role":"balancer","admin":{"enabled":false},"node":{"name":"ferry-lb-%s","eventLoops":%d},"cluster":%s,"frontends":{%s,%s}}\n' \
  "$$" "$THREADS" "$(cluster_json)" \
  "$(printf '"tcp":{"host":"127.0.0.1","port":%d,"pool":"echo","mode":"tcp","algorithm":"roundrobin","connectTimeoutMs":2000,"retries":2}' "$TCP_PORT")" \
  "$(printf '"msg":{"host":"127.0.0.1","port":%d,"pool":"echo","mode":"message","codec":"lines","algorithm":"roundrobin"}' "$MSG_PORT")" \
  >"$TMP/balancer.json"
start_node balancer --role balancer --config "$TMP/balancer.json"
BALANCER_PID=$LAST_PID
for n in 2 3; do wait_for_log "${SERVER_PIDS[n]}" "$TMP/server$n.log" "$READY_RE" $START_TIMEOUT; done
wait_for_log "$BALANCER_PID" "$TMP/balancer.log" 'frontend tcp: listening on' $START_TIMEOUT
wait_for_log "$BALANCER_PID" "$TMP/balancer.log" 'frontend msg: listening on .*\(message, lines\)' $START_TIMEOUT
wait_for_log "$BALANCER_PID" "$TMP/balancer.log" 'node joined: echo[0-9]+-[0-9]+ \(server\)' $START_TIMEOUT 3
wait_for_port "$BALANCER_PID" "$TCP_PORT" 10 "$TMP/balancer.log"
wait_for_port "$BALANCER_PID" "$MSG_PORT" 10 "$TMP/balancer.log"
log "ready: balancer pid $BALANCER_PID, tcp frontend 127.0.0.1:$TCP_PORT, message frontend 127.0.0.1:$MSG_PORT," \
  "servers ${SERVER_PIDS[*]}"

# Log lines up to here are start-up.
mark_node_logs "$TMP/balancer.log" "$TMP/server1.log" "$TMP/server2.log" "$TMP/server3.log"

# --- 3./4. client runs --------------------------------------------------------------------------------------
RESULTS="$TMP/results.jsonl"
: >"$RESULTS"
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
servers_ticks() { local s=0 p; for p in "${SERVER_PIDS[@]}"; do s=$((s + $(cpu_ticks "$p"))); done; echo $s; }

# run_client PHASE ROUND TARGET(tcp|msg) SECONDS
run_client() {
  local phase=$1 round=$2 name=$3 secs=$4 tag rc=0 b0 b1 s0 s1 args
  tag="$phase-$round-$name"
  if [ "$name" = msg ]; then
    args=(--target "127.0.0.1:$MSG_PORT" --codec lines --size "$MSG_PAYLOAD")
  else
    args=(--target "127.0.0.1:$TCP_PORT" --size "$SIZE")
  fi
  b0=$(cpu_ticks "$BALANCER_PID") s0=$(servers_ticks)
  # shellcheck disable=SC2086
  timeout -k 5 $((secs + 60)) java ${FERRY_JAVA_OPTS:-} -jar "$JAR" --role client "${args[@]}" \
    --connections "$CONNECTIONS" --duration "${secs}s" --json >"$TMP/$tag.out" 2>"$TMP/$tag.err" &
  CLIENT_PID=$!
  wait "$CLIENT_PID" || rc=$?
  CLIENT_PID=""
  b1=$(cpu_ticks "$BALANCER_PID") s1=$(servers_ticks)
  python3 - "$phase" "$round" "$name" "$rc" "$((b1 - b0))" "$((s1 - s0))" "$CLK_TCK" "$TMP/$tag.out" >>"$RESULTS" <<'EOF'
import json, sys
phase, rnd, name, rc, bticks, sticks, tck, out = sys.argv[1:]
lines = [l for l in open(out).read().splitlines() if l.strip()]
rec = {"phase": phase, "round": int(rnd), "target": name, "rc": int(rc),
       "lbCpuSec": int(bticks) / int(tck), "serversCpuSec": int(sticks) / int(tck)}
try:
    rec.update(json.loads(lines[-1]))
    rec.setdefault("failedRequests", 0)
except (IndexError, ValueError):
    rec["error"] = "no JSON report on the last stdout line"
print(json.dumps(rec))
EOF
  python3 - "$RESULTS" <<'EOF' >&2
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
if "error" in r:
    print(f"    {r['phase']} {r['round']} {r['target']:4s} rc={r['rc']} ERROR: {r['error']}")
else:
    l = r["latencyUs"]
    print(f"    {r['phase']} {r['round']} {r['target']:4s} rps={r['throughputPerSec']:9.0f} p50={l['p50']}us "
          f"p99={l['p99']}us p99.9={l['p999']}us max={l['max']}us failed={r['failedConnects']} "
          f"broken={r['brokenSessions']} mismatched={r['mismatchedBytes']} failedRequests={r['failedRequests']} "
          f"lbCpu={r['lbCpuSec']:.2f}s serversCpu={r['serversCpuSec']:.2f}s rc={r['rc']}")
EOF
  if [ "$rc" -ne 0 ] && [ -s "$TMP/$tag.err" ]; then tail -n 5 "$TMP/$tag.err" | sed 's/^/      client stderr: /' >&2; fi
}

log "warm-up: ${WARMUP}s through the tcp frontend, ${WARMUP}s through the message frontend"
run_client warmup 0 tcp "$WARMUP"
run_client warmup 0 msg "$WARMUP"
LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "measuring: $ROUNDS rounds x (tcp, msg; the order alternates), ${DURATION}s each, $CONNECTIONS connections, $SIZE-byte frames"
for ((round = 1; round <= ROUNDS; round++)); do
  # Alternating the order keeps "second run of the round" effects (GC, heat) from favouring one mode.
  if [ $((round % 2)) -eq 1 ]; then order=(tcp msg); else order=(msg tcp); fi
  for t in "${order[@]}"; do run_client measure "$round" "$t" "$DURATION"; done
done
LOADAVG_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

check_nodes_alive

# --- 5. report ----------------------------------------------------------------------------------------------
echo
echo "== Ferry message mode vs tcp mode: $ROUNDS rounds x ${DURATION}s, $CONNECTIONS connections, $SIZE-byte request/reply =="
echo "machine: nproc=$(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), loadavg before/after: $LOADAVG_BEFORE / $LOADAVG_AFTER"
echo "note: the client, the 3 echo servers and the balancer all share these $(nproc) cores; numbers are relative, not absolute capacity."
echo "versions: $(java -version 2>&1 | head -n 1);" \
  "ferry $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$(git -C "$ROOT" status --porcelain -- src pom.xml 2>/dev/null)" ] && echo '+local changes')"
echo "tcp = frontend mode tcp (L4 relay, a connection stays on one server), client --size $SIZE;"
echo "msg = frontend mode message, codec lines (each line one event-bus request, balanced per request), client --codec lines --size $MSG_PAYLOAD."
echo "both: pool echo, roundrobin over the same 3 servers; message frontend with default maxInFlight/requestTimeoutMs/retries."
set +e
python3 - "$RESULTS" <<'EOF'
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
meas = [r for r in recs if r["phase"] == "measure"]
targets = ["tcp", "msg"]
FAILS = ("failedConnects", "brokenSessions", "mismatchedBytes", "failedRequests")
med = statistics.median
bad = False
print()
print(f"{'target':6s} {'runs':>4s} {'rps (median)':>13s} {'p50 us':>8s} {'p99 us':>8s} {'p99.9 us':>9s} {'max us':>8s} "
      f"{'failed':>7s} {'broken':>7s} {'mismatch':>9s} {'failedReq':>10s} {'lb CPU us/req':>14s} {'servers CPU us/req':>19s}")
for t in targets:
    rs = [r for r in meas if r["target"] == t and "error" not in r]
    if not rs:
        print(f"{t:6s} no successful run")
        continue
    lat = lambda k: med([r["latencyUs"][k] for r in rs])
    fails = [sum(r.get(k, 0) for r in rs) for k in FAILS]
    reqs = max(1, sum(r["requests"] for r in rs))
    lb = 1e6 * sum(r["lbCpuSec"] for r in rs) / reqs
    sv = 1e6 * sum(r["serversCpuSec"] for r in rs) / reqs
    print(f"{t:6s} {len(rs):4d} {med([r['throughputPerSec'] for r in rs]):13.0f} {lat('p50'):8.0f} {lat('p99'):8.0f} "
          f"{lat('p999'):9.0f} {lat('max'):8.0f} {fails[0]:7d} {fails[1]:7d} {fails[2]:9d} {fails[3]:10d} "
          f"{lb:14.1f} {sv:19.1f}")

by = {(r["round"], r["target"]): r for r in meas if "error" not in r}
rounds = sorted({r["round"] for r in meas})
ratios = {"rps": [], "p50": [], "p99": []}
for n in rounds:
    x, y = by.get((n, "msg")), by.get((n, "tcp"))
    if not (x and y) or y["throughputPerSec"] <= 0 or y["latencyUs"]["p50"] <= 0 or y["latencyUs"]["p99"] <= 0:
        continue
    ratios["rps"].append(x["throughputPerSec"] / y["throughputPerSec"])
    ratios["p50"].append(x["latencyUs"]["p50"] / y["latencyUs"]["p50"])
    ratios["p99"].append(x["latencyUs"]["p99"] / y["latencyUs"]["p99"])
print()
print("ratio message/tcp (median over rounds of the per-round ratio; rps: higher is better, latency: lower is better):")
for k in ("rps", "p50", "p99"):
    v = ratios[k]
    if v:
        print(f"  {k:4s} {med(v):7.3f}   per round: " + " ".join(f"{x:.3f}" for x in v))
    else:
        print(f"  {k:4s}     n/a")
if ratios["rps"]:
    m = med(ratios["rps"])
    print(f"target rps ratio >= 0.5: {'met' if m >= 0.5 else 'NOT met'} ({m:.3f})")
else:
    print("target rps ratio >= 0.5: n/a (no complete round)")

print()
for r in recs:
    where = f"{r['phase']} round {r['round']} {r['target']}"
    if "error" in r:
        bad = True
        print(f"FAIL: {where}: {r['error']} (exit code {r['rc']})")
    elif any(r.get(k, 0) for k in FAILS):
        bad = True
        print(f"FAIL: {where}: " + " ".join(f"{k}={r.get(k, 0)}" for k in FAILS))
    elif r["rc"] != 0:
        bad = True
        print(f"FAIL: {where}: client exit code {r['rc']}")
print("result: " + ("FAILED (see above)" if bad else
                    "ok: no failed connects, broken sessions, mismatched bytes or failed requests in any run"))
sys.exit(1 if bad else 0)
EOF
STATUS=$?
set -e

node_report
exit $STATUS
