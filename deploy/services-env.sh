#!/bin/sh
# The environment for the local services of deploy/services-up.sh.
#   . deploy/services-env.sh          exports them (values already set in the environment win)
#   sh deploy/services-env.sh         prints the same `export VAR=value` lines
# PostgreSQL through its Unix socket (/var/run/postgresql; see deploy/lib.sh's PG_SOCKET_DIR).
export DATABASE_URL="${DATABASE_URL:-postgres://marketplace:marketplace@%2Fvar%2Frun%2Fpostgresql:5432/marketplace}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export SEARCH_URL="${SEARCH_URL:-http://127.0.0.1:9200}"
export STRIPE_API_BASE="${STRIPE_API_BASE:-http://127.0.0.1:12111}"
export STRIPE_SECRET_KEY="${STRIPE_SECRET_KEY:-sk_test_123}"
export AXE_JS="${AXE_JS:-/opt/marketplace/axe-core-4.11.0/axe.min.js}"
case "$0" in
    *services-env.sh)
        for var in DATABASE_URL REDIS_URL SEARCH_URL STRIPE_API_BASE STRIPE_SECRET_KEY AXE_JS; do
            eval "printf 'export %s=%s\n' \"\$var\" \"\$$var\""
        done ;;
esac
