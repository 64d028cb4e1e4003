#!/usr/bin/env bash
# Ferry vs HAProxy vs direct: TCP echo ping-pong throughput and latency, measured interleaved on loopback.
# See bench/README.md. Usage: bench/compare.sh [--rounds 3] [--duration 10] [--connections 50] [--size 64]
#                                              [--warmup 5] [--threads 2] [--base-port 19000] [--cluster-port 5851] [--keep]
# --threads: Ferry's event loops and HAProxy's nbthread (the same for both; default: nproc)
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=3 DURATION=10 CONNECTIONS=50 SIZE=64 WARMUP=5 BASE_PORT=19000 CLUSTER_PORT=5851 THREADS=$(nproc)

parse_run_opts "$@"

CLUSTER="bench-$$"
CLUSTER_LAST=$((CLUSTER_PORT + 9))
ECHO_PORTS=($((BASE_PORT + 1)) $((BASE_PORT + 2)) $((BASE_PORT + 3)))
FERRY_PORT=$((BASE_PORT + 10))
HAPROXY_PORT=$((BASE_PORT + 20))
START_TIMEOUT=120   # seconds for any node to become ready

bench_init

# --- 1. prerequisites -------------------------------------------------------------------------------------
if ! command -v haproxy >/dev/null 2>&1; then
  log "installing haproxy"
  apt-get update && apt-get install -y haproxy
fi
command -v python3 >/dev/null || die "python3 is needed to parse the client's JSON"
ensure_jar
check_ports_free "${ECHO_PORTS[@]}" "$FERRY_PORT" "$HAPROXY_PORT" $(seq "$CLUSTER_PORT" "$CLUSTER_LAST")
log "temp dir $TMP, cluster $CLUSTER on 127.0.0.1:$CLUSTER_PORT-$CLUSTER_LAST"

cluster_json() {
  printf '{"name":"%s","host":"127.0.0.1","port":%d,"portAutoIncrement":true,"members":["127.0.0.1:%d-%d"],"multicast":false}' \
    "$CLUSTER" "$CLUSTER_PORT" "$CLUSTER_PORT" "$CLUSTER_LAST"
}

# --- 2. backends, Ferry balancer, HAProxy -----------------------------------------------------------------
start_server() {   # start_server N
  local n=$1 name="echo$1-$$"
  printf '{"role":"server","node":{"name":"%s"},"cluster":%s,"services":{"echo":{"type":"echo","pool":"echo","host":"127.0.0.1","port":%d,"weight":1}}}\n' \
    "$name" "$(cluster_json)" "${ECHO_PORTS[n-1]}" >"$TMP/server$n.json"
  start_node "server$n" --role server --config "$TMP/server$n.json"
  SERVER_PIDS[n]=$LAST_PID
}
READY_RE='service echo: pool echo at 127\.0\.0\.1:[0-9]+'
declare -a SERVER_PIDS BACKENDS

# The first member alone, so the others join an existing cluster instead of racing to form one each.
start_server 1
wait_for_log "${SERVER_PIDS[1]}" "$TMP/server1.log" "$READY_RE" $START_TIMEOUT
start_server 2
start_server 3
printf '{"role":"balancer","admin":{"enabled":false},"node":{"name":"ferry-lb-%s","eventLoops":%d},"cluster":%s,"frontends":{"echo":{"host":"127.0.0.1","port":%d,"pool":"echo","mode":"tcp","algorithm":"roundrobin","connectTimeoutMs":2000,"retries":2}}}\n' \
  "$$" "$THREADS" "$(cluster_json)" "$FERRY_PORT" >"$TMP/balancer.json"
start_node balancer --role balancer --config "$TMP/balancer.json"
BALANCER_PID=$LAST_PID
for n in 2 3; do wait_for_log "${SERVER_PIDS[n]}" "$TMP/server$n.log" "$READY_RE" $START_TIMEOUT; done
for n in 1 2 3; do
  BACKENDS[n]=$(grep -oE "$READY_RE" "$TMP/server$n.log" | head -n 1 | grep -oE '[0-9]+$')
done
log "echo backends: 127.0.0.1:${BACKENDS[1]} 127.0.0.1:${BACKENDS[2]} 127.0.0.1:${BACKENDS[3]}"
wait_for_log "$BALANCER_PID" "$TMP/balancer.log" 'frontend echo: listening on' $START_TIMEOUT
wait_for_log "$BALANCER_PID" "$TMP/balancer.log" 'node joined: echo[0-9]+-[0-9]+ \(server\)' $START_TIMEOUT 3
wait_for_port "$BALANCER_PID" "$FERRY_PORT" 10 "$TMP/balancer.log"

cat >"$TMP/haproxy.cfg" <<EOF
global
    nbthread $THREADS
    maxconn 4096

defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s

frontend echo
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend echo

backend echo
    balance roundrobin
    server echo1 127.0.0.1:${BACKENDS[1]}
    server echo2 127.0.0.1:${BACKENDS[2]}
    server echo3 127.0.0.1:${BACKENDS[3]}
EOF
haproxy -c -q -f "$TMP/haproxy.cfg" >"$TMP/haproxy-check.log" 2>&1 || { cat "$TMP/haproxy-check.log" >&2; die "bad haproxy config"; }
haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/haproxy.log" 2>&1 &
HAPROXY_PID=$!
PIDS+=("$HAPROXY_PID")
wait_for_port "$HAPROXY_PID" "$HAPROXY_PORT" 20 "$TMP/haproxy.log"
log "ready: ferry 127.0.0.1:$FERRY_PORT (pid $BALANCER_PID), haproxy 127.0.0.1:$HAPROXY_PORT (pid $HAPROXY_PID)"

# Log lines up to here are start-up.
mark_node_logs "$TMP/balancer.log" "$TMP/server1.log" "$TMP/server2.log" "$TMP/server3.log"

# --- 3./4. client runs --------------------------------------------------------------------------------------
RESULTS="$TMP/results.jsonl"
: >"$RESULTS"
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# run_client PHASE ROUND TARGET_NAME TARGETS SECONDS [PROXY_PID]
run_client() {
  local phase=$1 round=$2 name=$3 targets=$4 secs=$5 proxy=${6:-} tag rc=0 c0=0 c1=0
  tag="$phase-$round-$name"
  [ -n "$proxy" ] && c0=$(cpu_ticks "$proxy")
  timeout -k 5 $((secs + 60)) java ${FERRY_JAVA_OPTS:-} -jar "$JAR" --role client --target "$targets" \
    --connections "$CONNECTIONS" --duration "${secs}s" --size "$SIZE" --json >"$TMP/$tag.out" 2>"$TMP/$tag.err" &
  CLIENT_PID=$!
  wait "$CLIENT_PID" || rc=$?
  CLIENT_PID=""
  [ -n "$proxy" ] && c1=$(cpu_ticks "$proxy")
  python3 - "$phase" "$round" "$name" "$rc" "$(( c1 - c0 ))" "$CLK_TCK" "$TMP/$tag.out" >>"$RESULTS" <<'EOF'
import json, sys
phase, rnd, name, rc, ticks, tck, out = sys.argv[1:]
lines = [l for l in open(out).read().splitlines() if l.strip()]
rec = {"phase": phase, "round": int(rnd), "target": name, "rc": int(rc),
       "proxyCpuSec": int(ticks) / int(tck)}
try:
    rec.update(json.loads(lines[-1]))
except (IndexError, ValueError):
    rec["error"] = "no JSON report on the last stdout line"
print(json.dumps(rec))
EOF
  python3 - "$RESULTS" <<'EOF' >&2
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
if "error" in r:
    print(f"    {r['phase']} {r['round']} {r['target']:8s} rc={r['rc']} ERROR: {r['error']}")
else:
    l = r["latencyUs"]
    print(f"    {r['phase']} {r['round']} {r['target']:8s} rps={r['throughputPerSec']:9.0f} p50={l['p50']}us "
          f"p99={l['p99']}us max={l['max']}us failed={r['failedConnects']} broken={r['brokenSessions']} "
          f"mismatched={r['mismatchedBytes']} proxyCpu={r['proxyCpuSec']:.2f}s rc={r['rc']}")
EOF
}

DIRECT_TARGETS="127.0.0.1:${BACKENDS[1]},127.0.0.1:${BACKENDS[2]},127.0.0.1:${BACKENDS[3]}"
log "warm-up: ${WARMUP}s through ferry, ${WARMUP}s through haproxy"
run_client warmup 0 ferry "127.0.0.1:$FERRY_PORT" "$WARMUP" "$BALANCER_PID"
run_client warmup 0 haproxy "127.0.0.1:$HAPROXY_PORT" "$WARMUP" "$HAPROXY_PID"
LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "measuring: $ROUNDS rounds x (direct, ferry, haproxy), ${DURATION}s each, $CONNECTIONS connections, $SIZE bytes"
for ((round = 1; round <= ROUNDS; round++)); do
  run_client measure "$round" direct "$DIRECT_TARGETS" "$DURATION"
  run_client measure "$round" ferry "127.0.0.1:$FERRY_PORT" "$DURATION" "$BALANCER_PID"
  run_client measure "$round" haproxy "127.0.0.1:$HAPROXY_PORT" "$DURATION" "$HAPROXY_PID"
done
LOADAVG_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

check_nodes_alive

# --- 5. report ----------------------------------------------------------------------------------------------
echo
echo "== Ferry vs HAProxy vs direct: $ROUNDS rounds x ${DURATION}s, $CONNECTIONS connections, $SIZE-byte ping-pong =="
echo "machine: nproc=$(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), loadavg before/after: $LOADAVG_BEFORE / $LOADAVG_AFTER"
echo "note: the client, the 3 echo backends and the proxy all share these $(nproc) cores; numbers are relative, not absolute capacity."
echo "versions: $(haproxy -v 2>/dev/null | head -n 1 | cut -d' ' -f1-3); $(java -version 2>&1 | head -n 1);" \
  "ferry $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$(git -C "$ROOT" status --porcelain -- src pom.xml 2>/dev/null)" ] && echo '+local changes')"
echo "direct = the client spread over the 3 backends itself (connection i -> backend i mod 3); ferry and haproxy: roundrobin over the same 3."
set +e
python3 - "$RESULTS" <<'EOF'
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
meas = [r for r in recs if r["phase"] == "measure"]
targets = ["direct", "ferry", "haproxy"]
med = statistics.median
bad = False
print()
print(f"{'target':8s} {'runs':>4s} {'rps (median)':>13s} {'p50 us':>8s} {'p99 us':>8s} {'p99.9 us':>9s} "
      f"{'max us':>8s} {'failed':>7s} {'broken':>7s} {'mismatch':>9s} {'proxy CPU us/req':>17s}")
for t in targets:
    rs = [r for r in meas if r["target"] == t and "error" not in r]
    errs = [r for r in meas if r["target"] == t and "error" in r]
    if errs:
        bad = True
    if not rs:
        print(f"{t:8s} no successful run")
        continue
    lat = lambda k: med([r["latencyUs"][k] for r in rs])
    fails = [sum(r[k] for r in rs) for k in ("failedConnects", "brokenSessions", "mismatchedBytes")]
    cpu = ("-" if t == "direct" else
           f"{1e6 * sum(r['proxyCpuSec'] for r in rs) / max(1, sum(r['requests'] for r in rs)):.1f}")
    print(f"{t:8s} {len(rs):4d} {med([r['throughputPerSec'] for r in rs]):13.0f} {lat('p50'):8.0f} {lat('p99'):8.0f} "
          f"{lat('p999'):9.0f} {lat('max'):8.0f} {fails[0]:7d} {fails[1]:7d} {fails[2]:9d} {cpu:>17s}")

by = {(r["round"], r["target"]): r for r in meas if "error" not in r}
rounds = sorted({r["round"] for r in meas})
print()
print("ratios (median over rounds of the per-round ratio):")
print(f"{'':16s} {'rps':>7s} {'p99':>7s}   per round rps")
for a, b in (("ferry", "haproxy"), ("ferry", "direct"), ("haproxy", "direct")):
    rr, pr = [], []
    for n in rounds:
        x, y = by.get((n, a)), by.get((n, b))
        if x and y and y["throughputPerSec"] > 0 and y["latencyUs"]["p99"] > 0:
            rr.append(x["throughputPerSec"] / y["throughputPerSec"])
            pr.append(x["latencyUs"]["p99"] / y["latencyUs"]["p99"])
    name = {"ferry": "Ferry", "haproxy": "HAProxy", "direct": "direct"}
    label = f"{name[a]}/{name[b]}"
    if rr:
        print(f"{label:16s} {med(rr):7.3f} {med(pr):7.3f}   " + " ".join(f"{v:.3f}" for v in rr))
    else:
        print(f"{label:16s} n/a")

print()
for r in recs:
    if "error" in r:
        print(f"FAIL: {r['phase']} round {r['round']} {r['target']}: {r['error']} (exit code {r['rc']})")
    elif r["failedConnects"] or r["brokenSessions"] or r["mismatchedBytes"]:
        bad = True
        print(f"FAIL: {r['phase']} round {r['round']} {r['target']}: failedConnects={r['failedConnects']} "
              f"brokenSessions={r['brokenSessions']} mismatchedBytes={r['mismatchedBytes']}")
    elif r["rc"] != 0:
        bad = True
        print(f"FAIL: {r['phase']} round {r['round']} {r['target']}: client exit code {r['rc']}")
    if "error" in r:
        bad = True
print("result: " + ("FAILED (see above)" if bad else "ok: no failed connects, broken sessions or mismatched bytes in any run"))
sys.exit(1 if bad else 0)
EOF
STATUS=$?
set -e

node_report
exit $STATUS
