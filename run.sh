#!/usr/bin/env bash
# Ferry on one machine: 1 balancer and N servers (default 3) in one local cluster.
#
#   ./run.sh [--servers N]   build if needed, start the cluster, show it working, leave it running
#   ./run.sh status          list the nodes this script started
#   ./run.sh stop            stop them (by the PIDs in run/), and only them
#
# Everything listens on 127.0.0.1: frontends echo :9000 and whoami :9080 (tcp), lines :9100 (message mode),
# the admin API and dashboard on :9090 (http://127.0.0.1:9090/), Hazelcast 5701-5720. The balancer runs from
# conf/balancer.json and reloads its frontends when that file changes.
# Logs: run/logs/<node>.log.
set -euo pipefail
cd "$(dirname "$0")"
JAR=target/ferry.jar
RUN=run
LOGS=$RUN/logs
SERVERS=3

die() { echo "run.sh: $*" >&2; exit 2; }

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

build() {
  if [ ! -f "$JAR" ] || [ -n "$(find src pom.xml conf -newer "$JAR" -print -quit 2>/dev/null)" ]; then
    command -v mvn >/dev/null || die "Maven (mvn) is needed to build $JAR"
    echo "building $JAR ..."
    mvn -B -q -DskipTests clean package
  fi
}

start_node() { # name role [args...]
  local name=$1 role=$2; shift 2
  java -jar "$JAR" --role "$role" --set "node.name=$name" "$@" > "$LOGS/$name.log" 2>&1 &
  echo $! > "$RUN/$name.pid"
  echo "$role" > "$RUN/$name.role"
}

wait_log() { # name regex seconds
  local deadline=$((SECONDS + $3))
  until grep -aqE "$2" "$LOGS/$1.log" 2>/dev/null; do
    alive "$RUN/$1.pid" || { echo "run.sh: $1 exited; its log:" >&2; tail -20 "$LOGS/$1.log" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { echo "run.sh: $1 did not log '$2' within $3 s; see $LOGS/$1.log" >&2; exit 1; }
    sleep 0.2
  done
}

whoami() { # prints the "server" field of one answer through the balancer
  local body
  if command -v curl >/dev/null; then
    body=$(curl -s --max-time 2 http://127.0.0.1:9080/ || true)
  else
    body=$(exec 3<>/dev/tcp/127.0.0.1/9080 && printf 'GET / HTTP/1.1\r\nHost: ferry\r\nConnection: close\r\n\r\n' >&3 && timeout 2 cat <&3 || true)
  fi
  sed -n 's/.*"server":"\([^"]*\)".*/\1/p' <<< "$body"
}

status() {
  local any=0
  printf '%-12s %-9s %-8s %s\n' NODE ROLE PID STATE
  for pidfile in "$RUN"/*.pid; do
    [ -f "$pidfile" ] || continue
    any=1
    local name; name=$(basename "$pidfile" .pid)
    local state=stopped
    alive "$pidfile" && state=running
    printf '%-12s %-9s %-8s %s\n' "$name" "$(cat "$RUN/$name.role" 2>/dev/null)" "$(cat "$pidfile")" "$state"
  done
  [ $any = 1 ] || echo "(nothing started by run.sh)"
}

stop() {
  local pids=()
  for pidfile in "$RUN"/*.pid; do
    [ -f "$pidfile" ] || continue
    if alive "$pidfile"; then
      kill -TERM "$(cat "$pidfile")" && pids+=("$(cat "$pidfile")")
      echo "stopping $(basename "$pidfile" .pid) (pid $(cat "$pidfile"))"
    fi
  done
  local deadline=$((SECONDS + 20))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { echo "pid $pid ignored SIGTERM; killing it"; kill -KILL "$pid" || true; }
  done
  rm -f "$RUN"/*.pid "$RUN"/*.role
}

case "${1:-}" in
  stop) stop; exit 0 ;;
  status) status; exit 0 ;;
  -h|--help) usage; exit 0 ;;
  --servers) [[ "${2:-}" =~ ^[1-9][0-9]?$ ]] || die "--servers needs a number from 1 to 99"; SERVERS=$2 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac

command -v java >/dev/null || die "Java 17 (java) is needed"
for pidfile in "$RUN"/*.pid; do
  alive "$pidfile" && die "a cluster started by run.sh is still running (./run.sh status; ./run.sh stop)"
done
mkdir -p "$LOGS"
build

# The first server forms the cluster; the others join it, so no two nodes both claim to be first.
start_node server-1 server
wait_log server-1 "server server-1 up" 60
for i in $(seq 2 "$SERVERS"); do start_node "server-$i" server; done
# From the file, not the jar's copy of it: editing conf/balancer.json then reloads its frontends live.
start_node balancer-1 balancer --config conf/balancer.json
wait_log balancer-1 "frontend whoami: listening|cannot start" 60
grep -aq "cannot start" "$LOGS/balancer-1.log" && { tail -5 "$LOGS/balancer-1.log" >&2; exit 1; }

echo "waiting until the balancer routes to all $SERVERS servers ..."
seen=()
deadline=$((SECONDS + 60))
while [ ${#seen[@]} -lt "$SERVERS" ]; do
  [ $SECONDS -lt $deadline ] || { echo "run.sh: only reached ${seen[*]:-none} within 60 s; see $LOGS/" >&2; exit 1; }
  s=$(whoami)
  if [ -n "$s" ] && [[ " ${seen[*]:-} " != *" $s "* ]]; then seen+=("$s"); echo "  reached $s"; fi
  sleep 0.1
done

echo
status
cat <<MSG

Ferry is running: balancer-1 with frontends echo 127.0.0.1:9000 and whoami 127.0.0.1:9080 (tcp relay) and
lines 127.0.0.1:9100 (message mode: each line a request, balanced and retried separately), $SERVERS servers.
Dashboard: http://127.0.0.1:9090/   (the cluster as a picture, live counts, drain/enable buttons)
Try it:
  curl 127.0.0.1:9080                                    # which server answered (run it a few times)
  echo hello | nc -N 127.0.0.1 9000                      # echoed through the balancer
  printf 'a\nb\nc\n' | nc -N 127.0.0.1 9100               # three requests, maybe three servers
  java -jar $JAR --role client --target 127.0.0.1:9000   # interactive: type, see it echoed
  kill -9 \$(cat $RUN/server-2.pid)                        # crash a server: new connections still succeed
  java -jar $JAR --role ctl status                       # the cluster as tables (admin API on 127.0.0.1:9090)
  java -jar $JAR --role ctl drain server-1               # no new connections to server-1 (enable undoes it)
  curl -s 127.0.0.1:9090/metrics | grep ^ferry_          # Prometheus metrics: ferry_* and Vert.x's vertx_*
  \$EDITOR conf/balancer.json                             # add or change a frontend: applied within 2 s, no restart
  ./run.sh status; ./run.sh stop                         # logs: $LOGS/

A 5-second load through the balancer (20 connections, 64-byte ping-pong, every byte checked):
MSG
java -jar "$JAR" --role client --target 127.0.0.1:9000 --connections 20 --duration 5s --size 64 || true
echo
echo "The cluster is still running: ./run.sh stop to stop it."
