#!/usr/bin/env bash
# The test suite runs against a real PostgreSQL (127.0.0.1:5432, database `test`)
# and Redis (127.0.0.1:6379), and drives the hosted pages in Chromium. Start the services when they
# are installed but not answering; install Chromium (Debian's package) when it is missing.
set -uo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  pg_up || { echo "PostgreSQL is not answering on 127.0.0.1:5432 (the tests need it, database 'test')" >&2; exit 1; }
fi
if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  fi
  redis_up || { echo "Redis is not answering on 127.0.0.1:6379 (the tests need it)" >&2; exit 1; }
fi
# The pages' browser tests (test/pages) skip nothing: without a browser they fail, so get one.
if [ -z "${TESSERA_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  echo "installing Chromium (apt-get) for the browser tests"
  sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"
  $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null \
    || { echo "Chromium could not be installed (the browser tests need it; or set TESSERA_CHROMIUM to a Chromium binary)" >&2; exit 1; }
fi
exit 0
