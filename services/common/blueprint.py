"""The flask-smorest Blueprint every API uses, with two differences: unknown query parameters
are refused (422) like unknown body fields, instead of being silently ignored; and a JSON
body is read defensively, so no body a client sends can make a view fail with a 500 or hold
much memory: its values are counted before it is decoded, and its arrays measured against
their schema's maximum before any item is read."""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

import flask
import flask_smorest
from marshmallow import Schema, fields, validate
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

MAX_JSON_DEPTH = 32  # arrays and objects within each other, far beyond any schema
TOO_DEEP = f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels."
# Objects, arrays and comma-separated items: decoded, each costs 60-250 bytes, so this keeps a
# body and its errors under ~50 MB (10 MB of "{}," would decode to 230 MB). Large sets go as
# files (CSV uploads).
MAX_JSON_VALUES = 100_000
TOO_MANY = f"The JSON body holds more than {MAX_JSON_VALUES:,} values: send large sets as files."
NOT_UNICODE = "Not valid Unicode text (a lone surrogate such as \\ud800)."


class StrictParser(FlaskParser):
    """Query strings follow the schema's ``unknown`` (RAISE: ``Strict``, ``PageArgs``).

    A JSON body is refused before any schema sees it when it is not JSON (``NaN`` and
    ``Infinity`` included), nests deeper than :data:`MAX_JSON_DEPTH` or holds a number
    Python will not convert (over 4,300 digits): 400. Strings (names and values) that are
    not valid Unicode text cannot be stored or encoded: 422 with the field named.
    """

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        text = req.get_data(cache=True).decode()  # UnicodeDecodeError: 400 in load_json
        if text.count(",") + text.count("{") + text.count("[") > MAX_JSON_VALUES:
            _refuse_json(None, TOO_MANY)  # an upper bound (text inside strings counts too)
        try:
            data = json.loads(text, parse_float=_finite, parse_constant=_not_a_number)
        except json.JSONDecodeError:
            raise  # load_json: an empty body is a missing one, anything else a 400
        except RecursionError as exc:
            _refuse_json(exc, TOO_DEEP)
        except ValueError as exc:  # an integer of over 4,300 digits, NaN, Infinity, 1e999
            _refuse_json(exc, "The JSON body holds a number that cannot be read as given.")
        _check_decoded(data)
        return data

    def _load_location_data(self, *, schema: Schema, req: flask.Request, location: str) -> Any:
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if location == "json":
            _check_array_lengths(schema, data)
        return data


def _check_array_lengths(schema: Schema, data: Any) -> None:
    """Refuse (422, the array named) an array longer than its schema's maximum before any
    of its items is deserialised: marshmallow would first build an error per item."""
    errors: dict = {}
    pending: list[tuple[Schema, Any, tuple]] = [(schema, data, ())]
    while pending:
        current, value, path = pending.pop()
        if not isinstance(value, dict):
            continue
        for name, field in current.fields.items():
            key = field.data_key or name
            given = value.get(key)
            if isinstance(field, fields.List) and isinstance(given, list):
                maximum = _maximum_length(field)
                if maximum is not None and len(given) > maximum:
                    _add_message(errors, (*path, key), f"Longer than maximum length {maximum}.")
                    continue
                if isinstance(field.inner, fields.Nested):
                    pending += [
                        (field.inner.schema, item, (*path, key, index))
                        for index, item in enumerate(given)
                    ]
            elif isinstance(field, fields.Nested) and not field.many:
                pending.append((field.schema, given, (*path, key)))
    if errors:
        abort(422, messages={"json": errors})


def _maximum_length(field: fields.List) -> int | None:
    lengths = [v.max for v in field.validators if isinstance(v, validate.Length)]
    return min((length for length in lengths if length is not None), default=None)


def _finite(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise ValueError(literal)
    return number


def _not_a_number(literal: str) -> NoReturn:
    raise ValueError(literal)  # NaN, Infinity, -Infinity: Python's json reads them, JSON has none


def _refuse_json(exc: Exception | None, detail: str) -> NoReturn:
    abort(400, exc=exc, message=detail, messages={"json": [detail]})


def _check_decoded(data: Any) -> None:
    """Walk the decoded body once, without recursion: its depth, and its text."""
    errors: dict = {}
    pending: list[tuple[Any, tuple]] = [(data, ())]
    while pending:
        value, path = pending.pop()
        if isinstance(value, str):
            if not _is_unicode(value):
                _add_error(errors, path)
            continue
        if not isinstance(value, dict | list):
            continue
        if len(path) >= MAX_JSON_DEPTH:
            _refuse_json(None, TOO_DEEP)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and not _is_unicode(key):
                key = key.encode(errors="backslashreplace").decode()  # named, escaped
                _add_error(errors, (*path, key))
                continue
            pending.append((item, (*path, key)))
    if errors:
        abort(422, messages={"json": errors})


def _is_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _add_error(errors: dict, path: tuple) -> None:
    if not path:  # the body is one string
        abort(422, messages={"json": [NOT_UNICODE]})
    _add_message(errors, path, NOT_UNICODE)


def _add_message(errors: dict, path: tuple, message: str) -> None:
    """Marshmallow's shape: ``{"lines": {0: {"label": [message]}}}``."""
    node = errors
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = [message]


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()
