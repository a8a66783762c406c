from services.common.migration_env import run_migrations
from services.sales.models import metadata

run_migrations(metadata)
