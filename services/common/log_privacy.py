"""Log lines never carry a URL's query string, nor the values a database error quotes.

Query strings may carry personal data (a name searched for, a contact) that erasure could
not reach once written to a log. Access logs are formatted without them (gunicorn's
``%(U)s``); this filter also strips them from any other line that quotes a URL (werkzeug's
request log in the embedded mode, a request line gunicorn refuses as malformed, an
application message).
"""

from __future__ import annotations

import logging
import re

from sqlalchemy.exc import DBAPIError

# A path (from a "/" to the "?") followed by its query string, up to a space or a quote.
_PATH_AND_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")


def without_query_strings(text: str) -> str:
    return _PATH_AND_QUERY.sub(r"\1", text)


class WithoutQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = without_query_strings(message), ()
        return True


def strip_query_strings_from(*logger_names: str) -> None:
    """Filter the records of these loggers (their own and their handlers')."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, WithoutQueryStrings) for f in logger.filters):
            logger.addFilter(WithoutQueryStrings())
        for handler in logger.handlers:
            if not any(isinstance(f, WithoutQueryStrings) for f in handler.filters):
                handler.addFilter(WithoutQueryStrings())


def database_error(exc: DBAPIError) -> str:
    """A database error as the log may say it: never the values it quotes.

    PostgreSQL's message and DETAIL line quote what was refused (``Key (contact)=(06 11 22 33
    44) already exists``, ``invalid input syntax for type uuid: "Amina"``): of a server's
    error only the SQLSTATE and the names of the constraint, table and column are kept
    (psycopg's ``diag``). An error psycopg raises itself (no SQLSTATE: the connection lost,
    refused) and SQLite's (``UNIQUE constraint failed: people.contact``) name no value and are
    kept whole.
    """
    orig = exc.orig
    kind = type(orig).__name__
    sqlstate = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    if sqlstate is None or diag is None:
        return f"{kind}: {orig}"
    names = " ".join(
        f"{name}={value}"
        for name in ("constraint", "table", "column")
        if (value := getattr(diag, f"{name}_name", None))
    )
    return f"{kind} (SQLSTATE {sqlstate}) {names}".rstrip()


def failure(exc: BaseException) -> str:
    """An exception as a log line or a dead letter's reason may say it (see ``database_error``)."""
    if isinstance(exc, DBAPIError):
        return f"{type(exc).__name__}: {database_error(exc)}"
    return f"{type(exc).__name__}: {exc}"
