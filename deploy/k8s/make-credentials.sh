#!/usr/bin/env bash
# Write random credentials for one overlay into overlays/<name>/credentials.env (git-ignored).
#   deploy/k8s/make-credentials.sh association-full
set -euo pipefail
overlay=${1:?usage: make-credentials.sh OVERLAY}
dir="$(cd "$(dirname "$0")" && pwd)/overlays/$overlay"
[ -d "$dir" ] || { echo "no overlay $overlay" >&2; exit 1; }
secret() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }
rabbit_user="pimms-$(secret | head -c 8)"; rabbit_pass=$(secret); pg_user="pimms"; pg_pass=$(secret)
{
  echo "rabbitmq-user=$rabbit_user"
  echo "rabbitmq-password=$rabbit_pass"
  # the three nodes of the broker's cluster, in turn: kombu fails over to the next when one is lost
  node() { echo "pyamqp://$rabbit_user:$rabbit_pass@rabbitmq-$1.rabbitmq-nodes:5672//"; }
  echo "amqp-uri=$(node 0);$(node 1);$(node 2)"
  echo "erlang-cookie=$(secret)$(secret)"
  echo "postgres-user=$pg_user"
  echo "postgres-password=$pg_pass"
  for svc in accueil mediation-sortante formation franchise reporting gateway; do
    echo "$svc-db-url=postgresql://$pg_user:$pg_pass@postgres:5432/${svc//-/_}"
  done
  echo "visitor-ref-key=$(secret)$(secret)"
  echo "gateway-token-secret=$(secret)$(secret)"
  echo "principal-key=$(secret)$(secret)"
} > "$dir/credentials.env"
chmod 600 "$dir/credentials.env"
# the database owner as CloudNativePG reads it (components/postgres-ha): the same user and password
printf 'username=%s\npassword=%s\n' "$pg_user" "$pg_pass" > "$dir/postgres-owner.env"
chmod 600 "$dir/postgres-owner.env"
echo "wrote $dir/credentials.env"
