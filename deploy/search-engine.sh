#!/usr/bin/env bash
# Start/stop just the search engine (OpenSearch), e.g. for tests that prove outage handling.
#   deploy/search-engine.sh start     start if stopped, wait until yellow/green
#   deploy/search-engine.sh stop      SIGTERM, wait until the process is gone
#   deploy/search-engine.sh restart
#   deploy/search-engine.sh status    exit 0 if healthy, 1 if not (prints running/stopped)
#   deploy/search-engine.sh check     prove the French analysis chain on a throw-away index
#   deploy/search-engine.sh pause     SIGSTOP the node: instant outage where requests hang (time out)
#   deploy/search-engine.sh resume    SIGCONT it: back at once, no restart
# It must already be installed (deploy/services-up.sh does that).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

case "${1:-}" in
    start)
        require_root; take_lock
        [ -f "$OS_HOME/.marketplace-installed" ] || die "not installed: run deploy/services-up.sh"
        os_start; os_wait 180; log "opensearch: ready at $OS_URL" ;;
    stop)
        require_root; take_lock
        os_stop ;;
    restart)
        require_root; take_lock
        os_stop; os_start; os_wait 180; log "opensearch: ready at $OS_URL" ;;
    status)
        if os_health; then echo "running $OS_URL"; exit 0
        elif os_running; then echo "not answering (pid $(cat "$OS_PIDFILE"): starting, paused or hung)"; exit 1
        else echo "stopped"; exit 1; fi ;;
    pause|resume)
        require_root
        os_running || die "not running"
        if [ "$1" = pause ]; then kill -STOP "$(cat "$OS_PIDFILE")"; else kill -CONT "$(cat "$OS_PIDFILE")"; fi
        log "opensearch: ${1}d" ;;
    check)
        os_health || die "not running: deploy/search-engine.sh start"
        os_analysis_check ;;
    *)
        echo "usage: $0 start|stop|restart|status|check" >&2; exit 2 ;;
esac
