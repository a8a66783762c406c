from services.common.migration_env import run_migrations
from services.gateway.models import metadata

run_migrations(metadata)
