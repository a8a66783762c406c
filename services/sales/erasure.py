"""Erase personal data past retention now (the worker also does it periodically; the use
case is ``handlers/people.py``):

    python -m services.sales.erasure
"""

from __future__ import annotations

import sys

from services.common.config import service_settings
from services.sales.app import SERVICE
from services.sales.handlers.people import erase_due_now


def main() -> int:
    runtime = SERVICE.runtime(service_settings("sales"))
    try:
        count = erase_due_now(runtime)
    finally:
        runtime.dispose()
    print(f"sales: personal data erased for {count} beneficiary(ies)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
