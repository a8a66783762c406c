"""Log lines never carry a URL's query string.

Query strings may carry personal data (a name searched for, a contact) that erasure could
not reach once written to a log. Access logs are formatted without them (gunicorn's
``%(U)s``); this filter also strips them from any other line that quotes a URL (werkzeug's
request log in the embedded mode, a request line gunicorn refuses as malformed, an
application message).
"""

from __future__ import annotations

import logging
import re

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
