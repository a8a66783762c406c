#!/bin/sh
# Usage: entrypoint.sh api|worker|migrate   (SERVICE=donations|inventory|sales|gateway)
# The same commands run the local multi-process stack outside containers.
set -eu
: "${SERVICE:?set SERVICE to donations, inventory, sales or gateway}"
case "${1:-api}" in
  api)     exec gunicorn --config infra/gunicorn.conf.py "services.${SERVICE}.app:create_app()" ;;
  worker)  exec python -m "services.${SERVICE}.app" worker ;;
  migrate) exec python -m services.common.migrations "${SERVICE}" ;;
  *) echo "unknown command: $1 (api, worker or migrate)" >&2; exit 2 ;;
esac
