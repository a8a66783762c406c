"""The flask-smorest Blueprint every API uses, with one difference: unknown query parameters
are refused (422) like unknown body fields, instead of being silently ignored."""

from __future__ import annotations

import flask_smorest
from webargs.flaskparser import FlaskParser


class StrictParser(FlaskParser):
    """Query strings follow the schema's ``unknown`` (RAISE: ``Strict``, ``PageArgs``)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()
