"""flask-smorest's ``Api`` documenting errors as they leave: RFC 9457 problems.

flask-smorest documents every error response (``DEFAULT_ERROR`` on each operation, the 422
of argument validation, any ``alt_response`` by status) as ``application/json`` with its own
``Error`` schema (an integer ``code``, a string ``status``, ``message``). Our answers are
``application/problem+json`` (``problems.py``): ``ProblemApi`` registers those responses with
the ``Problem`` schema under that media type, so a client validating answers against the
document finds what it gets."""

from __future__ import annotations

from flask_smorest import Api
from marshmallow import INCLUDE, Schema, fields

from services.common.problems import PROBLEM_CONTENT_TYPE


class Problem(Schema):
    """An error (RFC 9457). Some problems carry more members, named in the operation's text
    (``errors`` for refused fields, ``missing``, ``refused_lines``, ``bad_rows``, …)."""

    class Meta:
        unknown = INCLUDE  # documented as open: problems add members of their own

    type = fields.String(
        metadata={"description": "A URI naming the kind of problem (its `code` at the end)."}
    )
    title = fields.String(metadata={"description": "The HTTP status's phrase."})
    status = fields.Integer(metadata={"description": "The HTTP status code."})
    code = fields.String(
        metadata={
            "description": "What went wrong, for programs: e.g. `unprocessable-entity`, "
            "`not-found`."
        }
    )
    detail = fields.String(metadata={"description": "What went wrong, for people."})
    request_id = fields.String(metadata={"description": "The request's id, for the logs."})
    errors = fields.Dict(
        metadata={"description": "Refused input, by location then field (validation only)."}
    )


class ProblemApi(Api):
    ERROR_SCHEMA = Problem

    def _register_responses(self) -> None:
        """flask-smorest's default responses, each under ``application/problem+json``."""
        media_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_CONTENT_TYPE
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = media_type
