"""The gateway: one public entry point forwarding ``/api/<service>/...`` to the services.

It also aggregates their health (``/health``) and their OpenAPI documents
(``/openapi.json``). Serve with ``gunicorn 'services.gateway.app:create_app()'``.
"""
