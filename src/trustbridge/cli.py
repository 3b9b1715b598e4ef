"""The ``trustbridge`` command: Django's management commands under the project's name.

``trustbridge demo``, ``trustbridge worker``, ``trustbridge migrate``, ``trustbridge runserver``…
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustbridge.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["trustbridge", *sys.argv[1:]])


if __name__ == "__main__":
    main()
