/**
 * The kit's workload program, in the spirit of Kubernetes' agnhost: one busybox shell script
 * with verbs. The same file runs inside the OCI image under containerd and under the
 * reference runtime, so both runtimes execute identical workloads.
 *
 * Why traps everywhere: under containerd the script is PID 1 of its pid namespace, and PID 1
 * gets no default signal handlers, so without `trap` SIGTERM would be ignored and every stop
 * would wait for SIGKILL. Long waits run `sleep` in the background and `wait` on it, because
 * ash only runs a trap once the foreground command returns.
 *
 * UDP: busybox's nc has no UDP mode (and this busybox has no udpsvd), so UDP goes through the
 * image's own static helper kck-udp (kck-udp.c): serve-hostname answers every datagram on
 * --udp PORT with the Pod name, and udp-connect / udp-dial are the UDP twins of connect / dial.
 */
export const WORKLOAD_SCRIPT = `#!/bin/sh
# kck workload: serve-hostname | connect | dial | udp-connect | udp-dial | pause | sleep | exit | fail-after | write | log
name() { echo "\${HOSTNAME:-$(hostname)}"; }
# "|| sleep 1": if a background sleep cannot even start, do not spin.
forever() { while true; do sleep 3600 & wait $! || sleep 1; done; }
trap 'exit 143' TERM
trap 'exit 130' INT
verb="$1"; [ $# -gt 0 ] && shift
case "$verb" in
  serve-hostname)
    # TCP: every connection gets the Pod name and a newline; UDP: every datagram gets it back
    # in one datagram; HTTP: GET / returns it. Port 0 turns a protocol off.
    tcp=9376; udp=9377; http=8080
    while [ $# -gt 0 ]; do
      case "$1" in
        --tcp) tcp="$2"; shift 2 ;;
        --udp) udp="$2"; shift 2 ;;
        --http) http="$2"; shift 2 ;;
        *) echo "serve-hostname: unknown flag $1" >&2; exit 2 ;;
      esac
    done
    www=$(mktemp -d)
    name > "$www/index.html"
    name > "$www/hostname"
    echo "serving $(name) on tcp $tcp udp $udp http $http"
    [ "$tcp" != 0 ] && nc -ll -p "$tcp" -e "$(dirname "$0")/reply-name" &
    [ "$udp" != 0 ] && kck-udp serve "$udp" &
    [ "$http" != 0 ] && httpd -f -p "$http" -h "$www" &
    forever ;;
  connect)
    # connect HOST PORT [EXPECTED]: prints what the server answered; exit 1 when it could not connect.
    reply=$(echo | nc -w 5 "$1" "$2") || { echo "connect to $1:$2 failed" >&2; exit 1; }
    [ -n "$reply" ] || { echo "connect to $1:$2: empty reply" >&2; exit 1; }
    echo "$reply"
    # connect HOST PORT EXPECTED: also fail when the answer is not the expected one.
    [ -z "$3" ] || [ "$reply" = "$3" ] || { echo "expected $3, got $reply" >&2; exit 1; } ;;
  dial)
    # dial HOST PORT EXPECTED [TRIES]: connect until the expected answer comes (once a
    # second, TRIES times, default 30); exit 0 on success, 1 when it never came.
    tries="\${4:-30}"
    while [ "$tries" -gt 0 ]; do
      reply=$(echo | nc -w 3 "$1" "$2" 2>/dev/null)
      [ "$reply" = "$3" ] && { echo "$reply"; exit 0; }
      tries=$((tries - 1))
      sleep 1 & wait $!
    done
    echo "dial $1:$2: no answer $3 (last: $reply)" >&2
    exit 1 ;;
  udp-connect)
    # udp-connect HOST PORT [EXPECTED]: one datagram; prints the answer; exit 1 when none came
    # within 5 s (or, with EXPECTED, when it was another).
    reply=$(kck-udp dial "$1" "$2" 5000) || { echo "udp-connect to $1:$2 failed" >&2; exit 1; }
    echo "$reply"
    [ -z "$3" ] || [ "$reply" = "$3" ] || { echo "expected $3, got $reply" >&2; exit 1; } ;;
  udp-dial)
    # udp-dial HOST PORT EXPECTED [TRIES]: a datagram a second until the expected answer comes
    # (TRIES times, default 30); exit 0 on success, 1 when it never came.
    tries="\${4:-30}"
    while [ "$tries" -gt 0 ]; do
      reply=$(kck-udp dial "$1" "$2" 1000 2>/dev/null)
      [ "$reply" = "$3" ] && { echo "$reply"; exit 0; }
      tries=$((tries - 1))
      sleep 1 & wait $!
    done
    echo "udp-dial $1:$2: no answer $3 (last: $reply)" >&2
    exit 1 ;;
  pause) forever ;;
  sleep) sleep "\${1:-3600}" & wait $! ;;
  exit) echo "exiting with \${1:-0}"; exit "\${1:-0}" ;;
  fail-after)
    sleep "\${1:-1}" & wait $!
    echo "failing with \${2:-1}" >&2
    exit "\${2:-1}" ;;
  write) for line in "$@"; do echo "$line"; done ;;
  log) for line in "$@"; do echo "$line"; done; forever ;;
  *) echo "usage: workload serve-hostname|connect|dial|udp-connect|udp-dial|pause|sleep|exit|fail-after|write|log ..." >&2; exit 2 ;;
esac
`;

/**
 * Run by nc -e for each TCP connection: the reply is the Pod name, then the connection closes,
 * unless the client's first line (within a second) is "hold": then it stays open until the
 * client closes it, so that a load-aware balancer (IPVS lc) sees it as an open connection.
 */
export const REPLY_NAME_SCRIPT = `#!/bin/sh
echo "\${HOSTNAME:-$(hostname)}"
read -t 1 line
[ "$line" = hold ] && cat > /dev/null
exit 0
`;
