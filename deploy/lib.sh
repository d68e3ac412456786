# shellcheck shell=bash
# Shared functions for the local service scripts (services-up.sh, services-down.sh,
# search-engine.sh). Sourced, never executed. Everything listens on loopback only.
#
# Layout on the machine (nothing is written into the repository):
#   /opt/marketplace/opensearch-<version>/   OpenSearch home (integ-test-zip + modules)
#   /opt/marketplace/stripe-mock-<version>/  stripe-mock binary (go install)
#   /opt/marketplace/data/                   OpenSearch data, Redis working dir
#   /opt/marketplace/logs/                   every service's log (PostgreSQL: /var/log/postgresql)
#   /opt/marketplace/run/                    pid files, lock file
#   /opt/marketplace/cache/                  verified Maven downloads

# --- Versions and places (override by environment if you must) ---------------------------------
: "${MP_ROOT:=/opt/marketplace}"
: "${OPENSEARCH_VERSION:=2.19.6}"        # latest 2.19.x on Maven Central; 3.x needs Java 21
: "${STRIPE_MOCK_VERSION:=v0.203.0}"     # github.com/stripe/stripe-mock, via the Go module proxy
: "${OPENSEARCH_HEAP:=512m}"
: "${AXE_CORE_VERSION:=4.11.0}"         # npm axe-core, injected by the browser tests
: "${PG_VERSION:=15}"
: "${PG_CLUSTER:=main}"

MP_LOGS="$MP_ROOT/logs"
MP_RUN="$MP_ROOT/run"
MP_DATA="$MP_ROOT/data"
MP_CACHE="$MP_ROOT/cache"

PG_HOST=127.0.0.1 PG_PORT=5432
# The application connects through the server's Unix socket (Debian's directory): on the same
# machine it costs the server about half the CPU per statement that loopback TCP does (#16).
PG_SOCKET_DIR=/var/run/postgresql
PG_USER=marketplace PG_PASSWORD=marketplace PG_DB=marketplace
REDIS_HOST=127.0.0.1 REDIS_PORT=6379
OS_HOST=127.0.0.1 OS_PORT=9200 OS_TRANSPORT_PORT=9300
OS_USER=opensearch
OS_HOME="$MP_ROOT/opensearch-$OPENSEARCH_VERSION"
OS_PIDFILE="$MP_RUN/opensearch/opensearch.pid"
OS_URL="http://$OS_HOST:$OS_PORT"
STRIPE_HOST=127.0.0.1 STRIPE_PORT=12111 STRIPE_HTTPS_PORT=12112
STRIPE_KEY=sk_test_123
STRIPE_DIR="$MP_ROOT/stripe-mock-$STRIPE_MOCK_VERSION"
STRIPE_PIDFILE="$MP_RUN/stripe-mock.pid"

# --- Small helpers ------------------------------------------------------------------------------
# Progress goes to stderr; stdout is reserved for the environment lines services-up.sh prints.
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

require_root() { [ "$(id -u)" -eq 0 ] || die "run as root (installs packages, switches to service users)"; }

# Serialise concurrent runs of these scripts (e.g. two `make test` at once).
take_lock() {
    mkdir -p "$MP_RUN"
    exec 9>"$MP_RUN/services.lock"
    flock -w 600 9 || die "could not take $MP_RUN/services.lock"
    # NB: every daemon below is started with `9>&-`, or it would inherit the lock and hold it forever.
}

# pid_alive PIDFILE [CMDLINE-SUBSTRING]: the process in PIDFILE exists (and is the expected one).
pid_alive() {
    local pid
    [ -s "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
    [ -z "${2:-}" ] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# stop_pidfile NAME PIDFILE CMDLINE-SUBSTRING [SECONDS]: SIGTERM, wait, SIGKILL as a last resort.
stop_pidfile() {
    local name=$1 pidfile=$2 match=$3 wait=${4:-30} pid i
    if ! pid_alive "$pidfile" "$match"; then
        rm -f "$pidfile"; log "$name: not running"; return 0
    fi
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < wait * 10; i++)); do
        [ -d "/proc/$pid" ] || break
        sleep 0.1
    done
    if [ -d "/proc/$pid" ]; then
        log "$name: still up after ${wait}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$pidfile"
    log "$name: stopped"
}

# port_open PORT: something listens on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_until SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.25 s.
wait_until() {
    local limit=$1 what=$2 i
    shift 2
    for ((i = 0; i < limit * 4; i++)); do
        if "$@"; then return 0; fi
        sleep 0.25
    done
    log "timed out after ${limit}s waiting for $what"
    return 1
}

APT_UPDATED=0
# apt_install PKG...: install the Debian packages that are missing (apt-get update once per run).
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "apt: installing ${missing[*]}"
    mkdir -p "$MP_LOGS"
    if [ "$APT_UPDATED" = 0 ]; then
        apt-get update -qq >>"$MP_LOGS/apt.log" 2>&1 || { tail -n 20 "$MP_LOGS/apt.log" >&2; die "apt-get update failed"; }
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
        >>"$MP_LOGS/apt.log" 2>&1 9>&- || { tail -n 20 "$MP_LOGS/apt.log" >&2; die "apt-get install failed"; }
}

# ensure_system_user NAME HOME: a locked, shell-less system user.
ensure_system_user() {
    id -u "$1" >/dev/null 2>&1 && return 0
    log "creating system user $1"
    useradd --system --user-group --home-dir "$2" --no-create-home --shell /usr/sbin/nologin "$1"
}

java17_home() {
    local d
    for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-*; do
        [ -x "$d/bin/java" ] && [ -x "$d/bin/javap" ] && { echo "$d"; return 0; }
    done
    return 1
}

# =========================== PostgreSQL 15 (Debian cluster 15/main) ===========================
pg_state() { pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $4}'; }

pg_install() {
    apt_install "postgresql-$PG_VERSION" postgresql-client-"$PG_VERSION"
    if [ -z "$(pg_state)" ]; then
        log "postgres: creating cluster $PG_VERSION/$PG_CLUSTER"
        pg_createcluster "$PG_VERSION" "$PG_CLUSTER" --port "$PG_PORT" >&2
    fi
    # Loopback only, fixed port. Written once; a change restarts a running cluster.
    local conf="/etc/postgresql/$PG_VERSION/$PG_CLUSTER/conf.d/marketplace.conf"
    local want="# managed by deploy/lib.sh
listen_addresses = '127.0.0.1'
port = $PG_PORT"
    if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
        mkdir -p "$(dirname "$conf")"
        printf '%s\n' "$want" >"$conf"
        [ "$(pg_state)" = online ] && PG_NEEDS_RESTART=1
    fi
    # Password (scram/md5) auth over TCP on loopback: Debian's default pg_hba has it; make sure.
    local hba="/etc/postgresql/$PG_VERSION/$PG_CLUSTER/pg_hba.conf"
    if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+(scram-sha-256|md5)' "$hba"; then
        log "postgres: adding a scram-sha-256 loopback rule to $hba"
        sed -i '1i host    all    all    127.0.0.1/32    scram-sha-256   # deploy/lib.sh' "$hba"
        [ "$(pg_state)" = online ] && PG_NEEDS_RELOAD=1
    fi
    # And over the Unix socket for the application's role (Debian's rule for it is `peer`: the
    # system user's name, which the application does not run as). First: the first match wins.
    if ! grep -Eq "^local[[:space:]]+all[[:space:]]+$PG_USER[[:space:]]+(scram-sha-256|md5)" "$hba"; then
        log "postgres: adding a scram-sha-256 socket rule for $PG_USER to $hba"
        sed -i "1i local   all    $PG_USER    scram-sha-256   # deploy/lib.sh" "$hba"
        [ "$(pg_state)" = online ] && PG_NEEDS_RELOAD=1
    fi
    return 0
}

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 1; }

pg_start() {
    if [ "${PG_NEEDS_RESTART:-0}" = 1 ]; then
        log "postgres: configuration changed, restarting"
        pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" restart -m fast >&2 9>&-
    elif [ "$(pg_state)" != online ]; then
        log "postgres: starting"
        pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start >&2 9>&-
    elif [ "${PG_NEEDS_RELOAD:-0}" = 1 ]; then
        pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" reload >&2
    fi
}

# Over the socket (the application's way) and TCP on loopback (tools given a host and port).
pg_login_ok() {
    local host
    for host in "$PG_SOCKET_DIR" "$PG_HOST"; do
        [ "$(PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=3 psql -X -q -t -A -h "$host" -p "$PG_PORT" \
            -U "$PG_USER" -d "$PG_DB" -c "SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user" \
            2>/dev/null)" = t ] || return 1
    done
}

# Role `marketplace` (CREATEDB: tests create test databases) owning database `marketplace`.
pg_bootstrap() {
    pg_login_ok && return 0
    log "postgres: creating role and database $PG_DB"
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END
\$\$;
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB')\gexec
ALTER DATABASE $PG_DB OWNER TO $PG_USER;
SQL
    pg_login_ok || die "postgres: password login as $PG_USER (socket or TCP) still fails"
}

pg_up() {
    pg_install
    pg_start
    wait_until 60 "postgres on $PG_HOST:$PG_PORT" pg_ready || die "postgres did not come up (see /var/log/postgresql/)"
    pg_bootstrap
}

pg_stop() {
    if [ "$(pg_state)" = online ]; then
        pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop -m fast >&2
        log "postgres: stopped"
    else
        log "postgres: not running"
    fi
}

# ====================================== Redis 7 ======================================
redis_cli() { timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" "$@" 2>/dev/null; }
redis_ready() { [ "$(redis_cli ping)" = PONG ]; }

redis_up() {
    apt_install redis-server redis-tools
    if ! redis_ready; then
        port_open "$REDIS_PORT" && die "port $REDIS_PORT is taken by something that is not Redis"
        log "redis: starting"
        mkdir -p "$MP_DATA/redis" "$MP_RUN/redis" "$MP_LOGS"
        touch "$MP_LOGS/redis.log"
        chown redis:redis "$MP_DATA/redis" "$MP_RUN/redis" "$MP_LOGS/redis.log"
        # As the Debian `redis` user; no persistence (cache + Celery broker for tests).
        setpriv --reuid=redis --regid=redis --init-groups -- \
            redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
            --appendonly no --dir "$MP_DATA/redis" \
            --pidfile "$MP_RUN/redis/redis.pid" --logfile "$MP_LOGS/redis.log" 9>&-
        wait_until 30 "redis on $REDIS_HOST:$REDIS_PORT" redis_ready || die "redis did not come up (see $MP_LOGS/redis.log)"
    fi
}

redis_stop() {
    if redis_ready; then
        redis_cli shutdown nosave >/dev/null || true
        wait_until 10 "redis to stop" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$REDIS_PORT) 2>/dev/null" || true
        log "redis: stopped"
    else
        log "redis: not running"
    fi
}

# ==================================== OpenSearch 2.19 ====================================
# The integ-test-zip holds only the transport module; analysis-common (French analyzer,
# elision, stemmers, n-grams) and lang-painless (which analysis-common extends) are laid in
# as modules from their Maven Central jars.

# maven_fetch GROUP ARTIFACT VERSION EXT: fetch once into the cache with Debian's Maven (its own
# client, default configuration; -C fails on a checksum mismatch), print the path.
maven_fetch() {
    local g=$1 a=$2 v=$3 ext=$4 rel file
    rel="${g//.//}/$a/$v/$a-$v.$ext"
    file="$MP_CACHE/maven/$rel"
    if [ ! -s "$file" ]; then
        command -v mvn >/dev/null 2>&1 || apt_install maven
        mkdir -p "$(dirname "$file")" "$MP_LOGS"
        mvn -q -B -C dependency:copy -Dartifact="$g:$a:$v:$ext" \
            -DoutputDirectory="$(dirname "$file")" >>"$MP_LOGS/maven.log" 2>&1 9>&- ||
            { tail -n 20 "$MP_LOGS/maven.log" >&2; die "maven could not fetch $g:$a:$v:$ext"; }
        [ -s "$file" ] || die "maven fetched $g:$a:$v:$ext but $file is missing"
    fi
    echo "$file"
}

# pom_deps POMFILE: "group artifact version" of each compile/runtime dependency (not exclusions).
pom_deps() {
    awk '
        function val(tag,   s) { s = $0; sub(".*<" tag ">", "", s); sub("</" tag ">.*", "", s); return s }
        /<dependencyManagement>/ { mgmt = 1 } /<\/dependencyManagement>/ { mgmt = 0 }
        /<dependencies>/ && !mgmt { deps = 1 } /<\/dependencies>/ { deps = 0 }
        !deps { next }
        /<exclusions>/ { excl = 1 } /<\/exclusions>/ { excl = 0; next }
        excl { next }
        /<dependency>/ { g = a = v = s = o = "" }
        /<groupId>/ { g = val("groupId") } /<artifactId>/ { a = val("artifactId") }
        /<version>/ { v = val("version") } /<scope>/ { s = val("scope") } /<optional>/ { o = val("optional") }
        /<\/dependency>/ && (s == "" || s == "compile" || s == "runtime") && o != "true" { print g, a, v }
    ' "$1"
}

# plugin_class JAR: the class in JAR that extends org.opensearch.plugins.Plugin (read with javap).
plugin_class() {
    local jar=$1 candidates
    candidates=$(unzip -Z1 "$jar" | grep -E '^[^$]+Plugin\.class$' | sed 's/\.class$//; s#/#.#g')
    [ -n "$candidates" ] || die "no *Plugin class in $jar"
    # shellcheck disable=SC2086
    "$OS_JAVA/bin/javap" -cp "$jar" $candidates |
        sed -n 's/^public .*class \([A-Za-z0-9_.]*\) extends org\.opensearch\.plugins\.Plugin.*/\1/p' | head -1
}

# os_module STAGE NAME DESCRIPTION EXTENDED: lay org.opensearch.plugin:NAME (+ its POM deps) in modules/NAME.
os_module() {
    local stage=$1 name=$2 desc=$3 extended=$4 dir jar pom g a v classname javaver
    dir="$stage/modules/$name"
    mkdir -p "$dir"
    jar=$(maven_fetch org.opensearch.plugin "$name" "$OPENSEARCH_VERSION" jar)
    pom=$(maven_fetch org.opensearch.plugin "$name" "$OPENSEARCH_VERSION" pom)
    cp "$jar" "$dir/"
    while read -r g a v; do
        [ -n "$a" ] || continue
        case "$v" in *'$'*|'') die "unresolved version for $g:$a in $pom" ;; esac
        [ -e "$stage/lib/$a-$v.jar" ] && continue   # already on the server classpath (core)
        cp "$(maven_fetch "$g" "$a" "$v" jar)" "$dir/"
    done < <(pom_deps "$pom")
    classname=$(plugin_class "$jar")
    [ -n "$classname" ] || die "could not read the plugin class of $jar"
    # Same java.version as the modules shipped in the zip.
    javaver=$(sed -n 's/^java\.version=//p' "$stage/modules/transport-netty4/plugin-descriptor.properties")
    cat >"$dir/plugin-descriptor.properties" <<EOF
# written by deploy/lib.sh from the jar of $name $OPENSEARCH_VERSION
description=$desc
version=$OPENSEARCH_VERSION
name=$name
classname=$classname
java.version=${javaver:-11}
opensearch.version=$OPENSEARCH_VERSION
custom.foldername=
extended.plugins=$extended
has.native.controller=false
EOF
    log "opensearch: module $name ($classname), jars: $(cd "$dir" && echo *.jar)"
}

os_install() {
    OS_JAVA=$(java17_home) || { apt_install openjdk-17-jdk-headless; OS_JAVA=$(java17_home) || die "no Java 17 JDK"; }
    ensure_system_user "$OS_USER" "$OS_HOME"
    [ -f "$OS_HOME/.marketplace-installed" ] && return 0
    apt_install curl unzip ca-certificates
    log "opensearch: installing $OPENSEARCH_VERSION into $OS_HOME"
    local zip stage="$OS_HOME.partial"
    zip=$(maven_fetch org.opensearch.distribution.integ-test-zip opensearch "$OPENSEARCH_VERSION" zip)
    rm -rf "$stage" "$OS_HOME"
    mkdir -p "$stage"
    unzip -q "$zip" -d "$stage"
    mv "$stage/opensearch-$OPENSEARCH_VERSION"/* "$stage/"
    rmdir "$stage/opensearch-$OPENSEARCH_VERSION"
    os_module "$stage" lang-painless "An easy, safe and fast scripting language for OpenSearch" ""
    # Painless generates classes at run time; same grant as the upstream module.
    cat >"$stage/modules/lang-painless/plugin-security.policy" <<'EOF'
grant {
  // needed to generate runtime classes
  permission java.lang.RuntimePermission "createClassLoader";
  // needed to find the classloader to load allowlisted classes from
  permission java.lang.RuntimePermission "getClassLoader";
};
EOF
    os_module "$stage" analysis-common 'Adds "built in" analyzers to OpenSearch.' lang-painless
    # Logs (including gc.log, relative to the home) go to $MP_LOGS/opensearch.
    rm -rf "$stage/logs"
    ln -s "$MP_LOGS/opensearch" "$stage/logs"
    chown -R root:root "$stage"
    mv "$stage" "$OS_HOME"
    touch "$OS_HOME/.marketplace-installed"
}

os_configure() {
    mkdir -p "$MP_DATA/opensearch" "$MP_LOGS/opensearch" "$MP_RUN/opensearch" "$MP_ROOT/tmp/opensearch"
    cat >"$OS_HOME/config/opensearch.yml" <<EOF
# written by deploy/lib.sh at each start; edit there
cluster.name: marketplace-local
node.name: marketplace-local-1
discovery.type: single-node
network.host: $OS_HOST
http.port: $OS_PORT
transport.port: $OS_TRANSPORT_PORT
path.data: $MP_DATA/opensearch
path.logs: $MP_LOGS/opensearch
# vm.max_map_count is 65530 on many machines and containers cannot raise it: use niofs.
node.store.allow_mmap: false
# Tests must not be blocked by a nearly full disk (read-only indices at flood stage).
cluster.routing.allocation.disk.threshold_enabled: false
# Tests create many short-lived indices.
cluster.max_shards_per_node: 3000
action.destructive_requires_name: false
EOF
    printf '%s\n' "# written by deploy/lib.sh" "-Xms$OPENSEARCH_HEAP" "-Xmx$OPENSEARCH_HEAP" \
        >"$OS_HOME/config/jvm.options.d/marketplace.options"
    # The node writes its keystore into config/ on first start.
    chown -R "$OS_USER:$OS_USER" "$OS_HOME/config" "$MP_DATA/opensearch" "$MP_LOGS/opensearch" \
        "$MP_RUN/opensearch" "$MP_ROOT/tmp/opensearch"
}

os_running() { pid_alive "$OS_PIDFILE" org.opensearch.bootstrap.OpenSearch; }
os_health() { curl -fsS -m 2 "$OS_URL/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null | grep -Eq '"status":"(green|yellow)"'; }

os_start() {
    if os_running; then return 0; fi
    port_open "$OS_PORT" && die "port $OS_PORT is taken by something not started by these scripts"
    [ -n "${OS_JAVA:-}" ] || OS_JAVA=$(java17_home) || die "no Java 17"
    os_configure
    log "opensearch: starting (heap $OPENSEARCH_HEAP, java $OS_JAVA)"
    rm -f "$OS_PIDFILE"
    # Daemonised by its own launcher (-d, -p); as the non-root user; detached session.
    (
        ulimit -n 65535 2>/dev/null || true
        cd "$OS_HOME"
        setsid env -i PATH=/usr/bin:/bin HOME="$OS_HOME" LANG=C.UTF-8 \
            JAVA_HOME="$OS_JAVA" OPENSEARCH_JAVA_HOME="$OS_JAVA" \
            OPENSEARCH_PATH_CONF="$OS_HOME/config" OPENSEARCH_TMPDIR="$MP_ROOT/tmp/opensearch" \
            setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups -- \
            "$OS_HOME/bin/opensearch" -d -p "$OS_PIDFILE" \
            >>"$MP_LOGS/opensearch/launcher.log" 2>&1 </dev/null 9>&-
    ) || { tail -n 30 "$MP_LOGS/opensearch/launcher.log" >&2; die "opensearch launcher failed"; }
}

# Healthy = pid alive and cluster yellow/green. Fails fast if the JVM died.
os_wait() {
    local i
    for ((i = 0; i < ${1:-180} * 4; i++)); do
        if os_health; then return 0; fi
        if [ "$i" -gt 20 ] && ! os_running; then
            tail -n 40 "$MP_LOGS/opensearch/launcher.log" "$MP_LOGS/opensearch/marketplace-local.log" >&2 2>/dev/null || true
            die "opensearch died during start-up (logs in $MP_LOGS/opensearch)"
        fi
        sleep 0.25
    done
    die "opensearch not healthy after ${1:-180}s (logs in $MP_LOGS/opensearch)"
}

# The French analyzer is the proof that analysis-common was loaded.
os_check_french() {
    curl -fsS -m 5 -H 'content-type: application/json' -XPOST "$OS_URL/_analyze" \
        -d '{"analyzer":"french","text":"bières"}' 2>/dev/null | grep -q '"token":"bier"'
}

# Tokens of an _analyze answer, one line: "huil oliv bier".
tokens() { grep -o '"token":"[^"]*"' | sed 's/"token":"//; s/"$//' | tr '\n' ' '; echo; }

# A throw-away index with the building blocks the search app relies on: elision, asciifolding,
# light_french stemming, edge_ngram filter and tokenizer. Prints the tokens; fails if any is missing.
os_analysis_check() {
    local idx=deploy-analysis-check text="L'huile d'olive des bières Crème brûlée" out a
    curl -fsS -m 10 -XDELETE "$OS_URL/$idx?ignore_unavailable=true" >/dev/null
    curl -fsS -m 30 -XPUT "$OS_URL/$idx" -H 'content-type: application/json' -d '{
      "settings": {"number_of_shards": 1, "number_of_replicas": 0, "analysis": {
        "filter": {
          "fr_elision": {"type": "elision", "articles_case": true,
                         "articles": ["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"]},
          "fr_stop": {"type": "stop", "stopwords": "_french_"},
          "french_light_stem": {"type": "stemmer", "language": "light_french"},
          "autocomplete": {"type": "edge_ngram", "min_gram": 2, "max_gram": 15}},
        "tokenizer": {"edge": {"type": "edge_ngram", "min_gram": 2, "max_gram": 10, "token_chars": ["letter", "digit"]}},
        "analyzer": {
          "fr_text": {"tokenizer": "standard", "filter": ["fr_elision", "lowercase", "fr_stop", "asciifolding", "french_light_stem"]},
          "fr_autocomplete": {"tokenizer": "standard", "filter": ["fr_elision", "lowercase", "asciifolding", "autocomplete"]},
          "fr_edge_tokenizer": {"tokenizer": "edge", "filter": ["lowercase", "asciifolding"]}}}}}' >/dev/null \
        || die "index with the French analysis chain was refused"
    printf '%-18s %s\n' french "$(curl -fsS -XPOST "$OS_URL/_analyze" -H 'content-type: application/json' \
        -d "{\"analyzer\":\"french\",\"text\":\"$text\"}" | tokens)"
    for a in fr_text fr_autocomplete fr_edge_tokenizer; do
        out=$(curl -fsS -XPOST "$OS_URL/$idx/_analyze" -H 'content-type: application/json' \
            -d "{\"analyzer\":\"$a\",\"text\":\"$text\"}" | tokens)
        printf '%-18s %s\n' "$a" "$out"
    done
    curl -fsS -m 10 -XDELETE "$OS_URL/$idx" >/dev/null
}

os_up() {
    os_install
    os_start
}

os_stop() {
    # A node paused by `search-engine.sh pause` must be resumed to handle SIGTERM.
    if os_running; then kill -CONT "$(cat "$OS_PIDFILE")" 2>/dev/null || true; fi
    stop_pidfile opensearch "$OS_PIDFILE" org.opensearch.bootstrap.OpenSearch 60
}

# ======================================= stripe-mock =======================================
stripe_ready() {
    [ "$(curl -s -o /dev/null -w '%{http_code}' -m 2 -H "Authorization: Bearer $STRIPE_KEY" \
        "http://$STRIPE_HOST:$STRIPE_PORT/v1/charges" 2>/dev/null)" = 200 ]
}
stripe_running() { pid_alive "$STRIPE_PIDFILE" stripe-mock; }

stripe_install() {
    [ -x "$STRIPE_DIR/stripe-mock" ] && return 0
    local go
    go=$(command -v go || echo /usr/local/go/bin/go)
    [ -x "$go" ] || die "Go is needed to install stripe-mock (expected /usr/local/go/bin/go)"
    log "stripe-mock: go install github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"
    mkdir -p "$STRIPE_DIR" "$MP_ROOT/go"
    # Self-contained module/build caches; -modcacherw so `rm -rf /opt/marketplace` works.
    GOBIN="$STRIPE_DIR" GOPATH="$MP_ROOT/go" GOCACHE="$MP_ROOT/go/cache" \
        GOFLAGS="-buildvcs=false -modcacherw" \
        "$go" install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION" >&2
    [ -x "$STRIPE_DIR/stripe-mock" ] || die "stripe-mock build produced no binary"
    rm -rf "$MP_ROOT/go"   # ~150 MB of module and build caches, not needed once built
}

stripe_start() {
    if stripe_running; then return 0; fi
    port_open "$STRIPE_PORT" && die "port $STRIPE_PORT is taken by something not started by these scripts"
    mkdir -p "$MP_LOGS" "$MP_RUN"
    log "stripe-mock: starting"
    # As `nobody`, loopback only (-http-port would bind every interface, so use -http-addr).
    setsid setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
        "$STRIPE_DIR/stripe-mock" -http-addr "$STRIPE_HOST:$STRIPE_PORT" \
        -https-addr "$STRIPE_HOST:$STRIPE_HTTPS_PORT" \
        >>"$MP_LOGS/stripe-mock.log" 2>&1 </dev/null 9>&- &
    echo $! >"$STRIPE_PIDFILE"
}

stripe_up() {
    stripe_install
    stripe_start
}

stripe_wait() {
    wait_until 30 "stripe-mock on $STRIPE_HOST:$STRIPE_PORT" stripe_ready ||
        { tail -n 20 "$MP_LOGS/stripe-mock.log" >&2; die "stripe-mock did not answer"; }
}

stripe_stop() { stop_pidfile stripe-mock "$STRIPE_PIDFILE" stripe-mock 10; }

# ======================================== browser =========================================
# Debian's Chromium and its driver for the browser tests (no browser download), and axe-core
# (npm pack: the registry's tarball, no install step) for the accessibility checks.
AXE_DIR="$MP_ROOT/axe-core-$AXE_CORE_VERSION"

browser_up() {
    apt_install chromium chromium-driver fonts-dejavu-core
    if [ ! -s "$AXE_DIR/axe.min.js" ]; then
        local tmp
        tmp=$(mktemp -d)
        (cd "$tmp" && npm pack --silent "axe-core@$AXE_CORE_VERSION" >/dev/null 2>>"$MP_LOGS/npm.log") ||
            die "npm pack axe-core@$AXE_CORE_VERSION failed (see $MP_LOGS/npm.log)"
        mkdir -p "$AXE_DIR"
        tar -xzf "$tmp"/axe-core-*.tgz -C "$tmp"
        cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$AXE_DIR/"
        rm -rf "$tmp"
    fi
}

# =========================================== env ===========================================
print_env() {
    cat <<EOF
DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@$(printf %s "$PG_SOCKET_DIR" | sed 's|/|%2F|g'):$PG_PORT/$PG_DB
REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT/0
SEARCH_URL=$OS_URL
STRIPE_API_BASE=http://$STRIPE_HOST:$STRIPE_PORT
STRIPE_SECRET_KEY=$STRIPE_KEY
AXE_JS=$AXE_DIR/axe.min.js
EOF
}
