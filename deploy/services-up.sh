#!/usr/bin/env bash
# Bring up PostgreSQL 15, Redis 7, OpenSearch 2.19 and stripe-mock on loopback, idempotently:
# install what is missing, start what is stopped, wait until each is healthy, print where.
# Progress goes to stderr; stdout gets only the environment lines, so a Makefile can do
#   set -a; eval "$(deploy/services-up.sh)"; set +a     (or: deploy/services-up.sh && . deploy/services-env.sh)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

require_root
take_lock
t0=$EPOCHREALTIME
elapsed() { local d=$(( (${EPOCHREALTIME/./} - ${t0/./}) / 100000 )); printf '%d.%ds' $((d / 10)) $((d % 10)); }

# Cheap, order chosen so the slow parts overlap: the JVM boots while stripe-mock builds.
pg_up
log "postgres    ready  $PG_SOCKET_DIR and $PG_HOST:$PG_PORT  db=$PG_DB user=$PG_USER  (logs /var/log/postgresql)  $(elapsed)"
redis_up
log "redis       ready  $REDIS_HOST:$REDIS_PORT  (log $MP_LOGS/redis.log)  $(elapsed)"
os_up
stripe_up
browser_up
log "browser     ready  $(chromium --version 2>/dev/null | head -n1), axe-core $AXE_CORE_VERSION  $(elapsed)"
stripe_wait
log "stripe-mock ready  http://$STRIPE_HOST:$STRIPE_PORT  $STRIPE_MOCK_VERSION  (log $MP_LOGS/stripe-mock.log)  $(elapsed)"
os_wait 180
os_check_french || die "opensearch is up but the French analyzer is missing (analysis-common not loaded?)"
log "opensearch  ready  $OS_URL  $OPENSEARCH_VERSION  (home $OS_HOME, logs $MP_LOGS/opensearch)  $(elapsed)"

print_env
