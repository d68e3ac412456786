#!/usr/bin/env bash
# Stop the four local services started by services-up.sh (idempotent: a stopped one is skipped).
# Data is kept (PostgreSQL cluster, OpenSearch indices); Redis runs without persistence.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

require_root
take_lock
stripe_stop
os_stop
redis_stop
pg_stop
