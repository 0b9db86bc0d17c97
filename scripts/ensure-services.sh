#!/usr/bin/env bash
# Make sure the local RabbitMQ (and, with --postgres, PostgreSQL) is up; start it, or install it where we can.
# Used by `make run` (RabbitMQ only: the services run on SQLite) and by .ci/run (everything the tests need).
# --prometheus installs Debian's prometheus (the server and promtool, for the alert and dashboard tests) when
# missing, and leaves no daemon of it running: the tests and `make run` start their own.
set -euo pipefail

want_pg=0; want_mgmt=0; want_prom=0
for arg in "$@"; do
  case "$arg" in
    --postgres) want_pg=1 ;;
    --prometheus) want_prom=1 ;;
    --management) want_mgmt=1 ;;
  esac
done

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- ; }
wait_port() {  # port seconds what
  for _ in $(seq 1 "$2"); do port_open "$1" && return 0; sleep 1; done
  echo "error: $3 did not come up on 127.0.0.1:$1" >&2; return 1
}
can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
apt_install() {
  echo "installing $* from Debian's packages" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- RabbitMQ ---------------------------------------------------------------------------------------------
if ! port_open 5672; then
  if ! command -v rabbitmq-server >/dev/null; then
    if can_install; then apt_install rabbitmq-server; else
      echo "RabbitMQ is not running on 127.0.0.1:5672 and is not installed." >&2
      echo "Install it (Debian/Ubuntu: sudo apt-get install rabbitmq-server) or run one and set AMQP_URI." >&2
      exit 1
    fi
  fi
  echo "starting RabbitMQ" >&2
  rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_port 5672 90 RabbitMQ
fi
if [ "$want_mgmt" = 1 ]; then
  # nameko's test fixtures make a vhost per test through the management API; the shovel plugin links stacks
  rabbitmq-plugins enable --quiet rabbitmq_management rabbitmq_shovel rabbitmq_shovel_management \
    rabbitmq_federation >/dev/null
  wait_port 15672 60 "RabbitMQ management"
fi

# --- kubectl (its built-in kustomize renders deploy/k8s in the tests) --------------------------------------
if [ "$want_mgmt" = 1 ] && ! command -v kubectl >/dev/null && can_install; then
  apt_install kubernetes-client || echo "warning: kubectl could not be installed; deploy tests will fail" >&2
fi

# --- Chromium (the web app's end-to-end tests drive Debian's build; never a downloaded browser) -----------
if [ "$want_mgmt" = 1 ] && ! command -v chromium >/dev/null && can_install; then
  apt_install chromium || echo "warning: chromium could not be installed; browser tests will fail" >&2
fi

# --- Prometheus (alert rules checked with promtool, a real server scraping a stack in the tests) -------------
if [ "$want_prom" = 1 ] && ! { command -v prometheus >/dev/null && command -v promtool >/dev/null; }; then
  if can_install; then
    apt_install --no-install-recommends prometheus
    # Debian's package enables a daemon on :9090; ours are started on free ports with their own data
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      systemctl disable --now prometheus >/dev/null 2>&1 || true
    elif [ -x /etc/init.d/prometheus ]; then
      /etc/init.d/prometheus stop >/dev/null 2>&1 || true
    fi
  else
    # the Prometheus tests then skip locally, and fail under CI=true, where it must be there
    echo "warning: Prometheus is not installed and cannot be installed here (Debian: apt-get install prometheus)" >&2
  fi
fi

# --- PostgreSQL -------------------------------------------------------------------------------------------
if [ "$want_pg" = 1 ] && ! port_open 5432; then
  if ! command -v pg_ctlcluster >/dev/null; then
    if can_install; then apt_install postgresql; else
      # PostgreSQL tests are then skipped (and fail under CI=true, where it must be there)
      echo "warning: PostgreSQL is not running on 127.0.0.1:5432 and cannot be installed here." >&2
      exit 0
    fi
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  conf="/etc/postgresql/$version/main/pg_hba.conf"
  # the tests connect as postgres over TCP without a password (trust on loopback only)
  if ! grep -q "^host all all 127.0.0.1/32 trust" "$conf" 2>/dev/null; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$conf" 2>/dev/null || true
  fi
  echo "starting PostgreSQL $version" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_port 5432 60 PostgreSQL
fi
echo "local services ready" >&2
