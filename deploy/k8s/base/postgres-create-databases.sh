#!/bin/bash
# One database per service: a service owns its data and never reads another's.
set -euo pipefail
for db in ${PIMMS_DATABASES}; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -c "CREATE DATABASE \"$db\";"
done
