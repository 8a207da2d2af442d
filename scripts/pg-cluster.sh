#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite.
#
#   scripts/pg-cluster.sh start DIR   initdb into DIR/data, start it on 127.0.0.1 and a
#                                     free port (unix sockets in DIR, trust auth, no
#                                     fsync), create the database erms_test and print
#                                     one line on stdout: its SQLAlchemy URL,
#                                     postgresql+psycopg://USER@127.0.0.1:PORT/erms_test
#   scripts/pg-cluster.sh stop DIR    stop it (immediate) and remove DIR
#
# Everything else goes to stderr or to DIR/log. initdb refuses to run as root, so as
# root the cluster belongs to the `postgres` system user (from Debian's
# postgresql-common) or, failing that, a system user `erms-pg` created here.
set -euo pipefail

die() { echo "pg-cluster.sh: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 start|stop DIR"
cmd=$1
dir=$(realpath -m -- "$2")
marker=.erms-pg-cluster   # stop removes only directories that carry it

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] \
    || die "no PostgreSQL server under /usr/lib/postgresql/*/bin (run scripts/system-deps.sh --test)"

if [ "$(id -u)" = 0 ]; then
    if id -u postgres >/dev/null 2>&1; then
        user=postgres
    else
        user=erms-pg
        id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home \
            --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
    fi
    as_user() { runuser -u "$user" -- "$@"; }
else
    user=$(id -un)
    as_user() { "$@"; }
fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    mkdir -p -- "$dir"
    [ -z "$(ls -A -- "$dir")" ] || die "$dir is not empty"
    touch "$dir/$marker" "$dir/log"
    if [ "$(id -u)" = 0 ]; then
        chown -R "$user" -- "$dir"
        chmod 700 -- "$dir"
    fi
    # The cluster's user must be able to reach DIR (e.g. not under a 0700 /root).
    as_user test -w "$dir" -a -x "$dir" \
        || die "user $user cannot write to $dir; pick a directory it can reach (e.g. mktemp -d)"
    cd "$dir"  # a working directory the cluster's user can enter

    as_user "$bindir/initdb" -D "$dir/data" -U "$user" --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 --no-sync --no-instructions >>"$dir/log" 2>&1 \
        || { tail -n 30 "$dir/log" >&2; die "initdb failed (log: $dir/log)"; }

    local attempt port pid ok started
    for attempt in 1 2 3; do
        port=$(free_port)
        # Settings go in postgresql.auto.conf: later lines win, so a retry just overrides.
        cat >>"$dir/data/postgresql.auto.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
        as_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -W start >/dev/null 2>>"$dir/log" \
            || { tail -n 30 "$dir/log" >&2; die "pg_ctl start failed (log: $dir/log)"; }
        ok=0
        started=$SECONDS
        while [ $((SECONDS - started)) -lt 30 ]; do
            # Ours and ready? postmaster.pid: line 1 pid, line 4 port, line 8 status.
            if [ -f "$dir/data/postmaster.pid" ]; then
                pid=$(sed -n 1p "$dir/data/postmaster.pid")
                if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
                    break   # it died, e.g. the port was taken after free_port
                fi
                if [ "$(sed -n 4p "$dir/data/postmaster.pid")" = "$port" ] \
                        && [ "$(sed -n 8p "$dir/data/postmaster.pid" | tr -d ' ')" = ready ] \
                        && "$bindir/pg_isready" -q -t 2 -h 127.0.0.1 -p "$port" -U "$user" -d postgres; then
                    ok=1; break
                fi
            elif [ $((SECONDS - started)) -ge 3 ]; then
                break       # no pid file: it exited (or never started)
            fi
            sleep 0.1
        done
        [ "$ok" = 1 ] && break
        as_user "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
        echo "pg-cluster.sh: server did not start on port $port (attempt $attempt)" >&2
    done
    if [ "$ok" != 1 ]; then
        tail -n 30 "$dir/log" >&2
        die "PostgreSQL did not become ready (each try waits up to 30 s; log: $dir/log)"
    fi

    "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$user" erms_test >>"$dir/log" 2>&1 \
        || { tail -n 30 "$dir/log" >&2; die "createdb failed (log: $dir/log)"; }
    echo "postgresql+psycopg://$user@127.0.0.1:$port/erms_test"
}

stop() {
    [ -e "$dir" ] || exit 0
    [ -f "$dir/$marker" ] || die "$dir was not made by pg-cluster.sh start; not removing it"
    if [ -f "$dir/data/postmaster.pid" ]; then
        cd "$dir"
        as_user "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>>"$dir/log" || true
    fi
    cd /
    rm -rf -- "$dir"
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *) die "usage: $0 start|stop DIR" ;;
esac
