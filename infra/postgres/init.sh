#!/bin/sh
# One role and one database per service and one for the gateway (its API keys), the role
# owning its database (and so its schema: migrations run as that role). The postgres image runs
# this once, on an empty data directory (docker-entrypoint-initdb.d). Each password comes from
# <SERVICE>_DB_PASSWORD (.env, see .env.example); DATABASE_SERVICES overrides the list.
set -eu

for service in ${DATABASE_SERVICES:-donations inventory sales gateway}; do
  variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$variable" || true)"
  if [ -z "$password" ]; then
    echo "postgres init: $variable is not set" >&2
    exit 1
  fi
  psql --no-psqlrc -v ON_ERROR_STOP=1 \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    -v role="$service" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
  echo "postgres init: role and database $service created"
done
