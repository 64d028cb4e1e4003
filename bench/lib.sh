# Shared helpers for bench/*.sh (sourced, not run). Bash, loopback only.
# The sourcing script sets: TMP (temp dir), JAR (private copy of the jar), and calls bench_init.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PIDS=()          # every long-running process we started, in start order
CLIENT_PID=""    # the client run in progress, if any
KEEP_TMP=0       # 1: keep $TMP at exit (set on failure, or by --keep)
CLEANED=0
NODE_LOGS=()     # the Ferry node logs that node_report reads (mark_node_logs)
declare -A LOG_MARK
DIED=0

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; KEEP_TMP=1; exit 1; }

# The options of compare.sh and message.sh. The caller sets the defaults (ROUNDS DURATION CONNECTIONS SIZE WARMUP
# BASE_PORT CLUSTER_PORT THREADS) first, and keeps its usage text in lines 2-5; a bad option exits 2.
run_usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "$(basename "$0"): $1 needs a positive integer, got '$2'" >&2; exit 2; }; }
parse_run_opts() {
  while [ $# -gt 0 ]; do
    case $1 in
      --rounds) ROUNDS=${2:-}; posint "$1" "$ROUNDS"; shift 2 ;;
      --duration) DURATION=${2%s}; posint "$1" "$DURATION"; shift 2 ;;
      --connections) CONNECTIONS=${2:-}; posint "$1" "$CONNECTIONS"; shift 2 ;;
      --size) SIZE=${2:-}; posint "$1" "$SIZE"; shift 2 ;;
      --warmup) WARMUP=${2%s}; posint "$1" "$WARMUP"; shift 2 ;;
      --base-port) BASE_PORT=${2:-}; posint "$1" "$BASE_PORT"; shift 2 ;;
      --cluster-port) CLUSTER_PORT=${2:-}; posint "$1" "$CLUSTER_PORT"; shift 2 ;;
      --threads) THREADS=${2:-}; posint "$1" "$THREADS"; shift 2 ;;
      --keep) KEEP_TMP=1; shift ;;
      -h|--help) run_usage 0 ;;
      *) echo "$(basename "$0"): unknown argument '$1'" >&2; run_usage 2 ;;
    esac
  done
}

now_ms() { date +%s%3N; }

# Stops every pid we started: TERM, wait (bounded), then KILL what is left.
stop_pids() {
  local pids=("$@") p alive i
  [ ${#pids[@]} -eq 0 ] && return 0
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < 100; i++)); do            # at most 20 s
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.2
  done
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      log "pid $p still running after 20 s: SIGKILL"
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}

cleanup() {
  local rc=$?
  [ $CLEANED -eq 1 ] && return
  CLEANED=1
  trap - EXIT INT TERM
  if [ -n "$CLIENT_PID" ]; then stop_pids "$CLIENT_PID"; fi
  if [ ${#PIDS[@]} -gt 0 ]; then
    log "stopping ${#PIDS[@]} processes: ${PIDS[*]}"
    # Reverse start order: load balancers before their backends.
    local rev=() i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do rev+=("${PIDS[i]}"); done
    stop_pids "${rev[@]}"
  fi
  if [ -n "${TMP:-}" ] && [ -d "$TMP" ]; then
    if [ $rc -ne 0 ] || [ $KEEP_TMP -eq 1 ]; then
      log "logs kept in $TMP"
    else
      rm -rf "$TMP"
    fi
  fi
  exit $rc
}

bench_init() {
  # Neither the temp dir nor the jar copy has "ferry" in its path: other people's broad `pkill -f ferry...`
  # on this shared machine already killed a benchmark mid-run once.
  TMP="$(mktemp -d /tmp/lbbench.XXXXXX)"
  trap cleanup EXIT
  trap 'log "interrupted"; KEEP_TMP=1; exit 130' INT
  trap 'log "terminated"; KEEP_TMP=1; exit 143' TERM
}

# Builds target/ferry.jar when missing or older than src/ or pom.xml, then copies it to $TMP, so that
# another engineer's rebuild cannot swap the jar under a running benchmark.
ensure_jar() {
  local jar="$ROOT/target/ferry.jar" attempt
  for ((attempt = 1; attempt <= 5; attempt++)); do
    if [ -f "$jar" ] && [ -z "$(find "$ROOT/src" "$ROOT/pom.xml" -type f -newer "$jar" -print -quit)" ]; then
      break
    fi
    log "building $jar (attempt $attempt)"
    if (cd "$ROOT" && timeout 600 mvn -B -q -Dmaven.test.skip=true package >"$TMP/build.log" 2>&1); then
      break
    fi
    tail -n 20 "$TMP/build.log" >&2 || true
    if [ $attempt -eq 5 ]; then die "build failed 5 times; see $TMP/build.log"; fi
    log "build failed (code may be mid-edit); retrying in 60 s"
    sleep 60
  done
  [ -f "$jar" ] || die "no $jar"
  JAR="$TMP/app.jar"
  cp "$jar" "$JAR"
}

# Fails unless every given TCP port on 127.0.0.1 is free.
check_ports_free() {
  python3 - "$@" <<'EOF' || die "a port is in use (use --base-port / --cluster-port)"
import socket, sys
bad = []
for p in map(int, sys.argv[1:]):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT leftovers do not count
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        bad.append(p)
    finally:
        s.close()
if bad:
    print("ports in use on 127.0.0.1:", *bad, file=sys.stderr)
    sys.exit(1)
EOF
}

# Sets EXIT_DESC to how a child that is gone ended (reaps it; must run in the main shell, not in $(...)).
exit_status() {
  local st=0
  wait "$1" 2>/dev/null || st=$?
  if [ $st -gt 128 ]; then
    EXIT_DESC="was killed by signal $((st - 128)) (not sent by this script)"
  else
    EXIT_DESC="exited with status $st"
  fi
}

# Starts a Ferry node in the background; stdout+stderr go to $TMP/NAME.log. Sets LAST_PID.
start_node() {
  local name=$1; shift
  # shellcheck disable=SC2086
  java ${FERRY_JAVA_OPTS:-} -jar "$JAR" "$@" >"$TMP/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# wait_for_log PID FILE REGEX TIMEOUT_S [COUNT]: waits until FILE has COUNT lines matching REGEX.
wait_for_log() {
  local pid=$1 file=$2 re=$3 timeout=$4 count=${5:-1} deadline n
  deadline=$(($(date +%s) + timeout))
  while :; do
    n=$(grep -cE -- "$re" "$file" 2>/dev/null || true)
    [ "${n:-0}" -ge "$count" ] && return 0
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$file" >&2; exit_status "$pid"; die "pid $pid $EXIT_DESC before '$re' appeared in $file"; }
    [ "$(date +%s)" -ge "$deadline" ] && { tail -n 30 "$file" >&2; die "timed out after ${timeout}s waiting for '$re' x$count in $file"; }
    sleep 0.2
  done
}

# wait_for_port PID PORT TIMEOUT_S [LOG]: waits (bounded) until 127.0.0.1:PORT accepts a TCP connection.
wait_for_port() {
  local pid=$1 port=$2 timeout=$3 logf=${4:-/dev/null} deadline
  deadline=$(($(date +%s) + timeout))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$logf" >&2; exit_status "$pid"; die "pid $pid $EXIT_DESC before 127.0.0.1:$port accepted connections"; }
    [ "$(date +%s)" -ge "$deadline" ] && die "127.0.0.1:$port does not accept connections after ${timeout}s"
    sleep 0.2
  done
}

# mark_node_logs FILE...: the node logs to watch; what they hold so far is start-up (Hazelcast's CP-subsystem
# notice, partition migrations while members join), which node_report leaves out.
mark_node_logs() {
  local f
  NODE_LOGS=("$@")
  for f in "$@"; do LOG_MARK[$f]=$(wc -l <"$f"); done
}

# Sets DIED=1 (and keeps the logs) when a process we started is gone: a crash would otherwise show only as
# client errors.
check_nodes_alive() {
  local p
  DIED=0
  for p in "${PIDS[@]}"; do
    kill -0 "$p" 2>/dev/null || { exit_status "$p"; log "process $p $EXIT_DESC during the runs"; DIED=1; KEEP_TMP=1; }
  done
}

# After the runs: prints the WARN/ERROR lines the nodes logged since mark_node_logs (worth a look, so the logs are
# kept), fails STATUS when a node died, and says where the logs are when they are kept.
node_report() {
  local f warns=""
  for f in "${NODE_LOGS[@]}"; do
    warns+=$(tail -n +"$((LOG_MARK[$f] + 1))" "$f" | grep -E '^[0-9:.]+ (WARN|ERROR) ' | sed "s|^|$(basename "$f" .log): |" || true)
    warns+=$'\n'
  done
  warns=$(printf '%s' "$warns" | sed '/^$/d')
  echo
  if [ -n "$warns" ]; then
    echo "Ferry nodes logged $(printf '%s\n' "$warns" | wc -l) WARN/ERROR lines during the runs (first 10):"
    printf '%s\n' "$warns" | head -n 10
    KEEP_TMP=1
  else
    echo "Ferry nodes logged no WARN/ERROR lines during the runs."
  fi
  if [ "$DIED" -ne 0 ]; then echo "FAIL: a Ferry process died during the runs (see above)"; STATUS=1; fi
  if [ "$STATUS" -ne 0 ] || [ $KEEP_TMP -eq 1 ]; then
    KEEP_TMP=1
    echo "logs and raw results: $TMP"
  fi
}

median() {
  python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:]]; m=statistics.median(v) if v else float("nan"); print(int(m) if m == int(m) else round(m, 1))' "$@"
}
