"""The gateway's own views.

``BLUEPRINTS``: its documented API (``/api/keys``, ``/api/me``), in the order the OpenAPI
document lists them; ``OPEN_BLUEPRINTS``: what anyone may ask without a key (health, the
combined OpenAPI document and its Swagger UI), documented by hand (``health.HEALTH_PATHS``).
"""

from services.gateway.api.docs import docs
from services.gateway.api.health import health
from services.gateway.api.keys import keys_blp, me_blp
from services.gateway.api.openapi import openapi

BLUEPRINTS = [keys_blp, me_blp]
OPEN_BLUEPRINTS = [health, openapi, docs]
