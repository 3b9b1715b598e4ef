#!/usr/bin/env python
import sys

from trustbridge.cli import main

if __name__ == "__main__":
    sys.argv[0] = "manage.py"
    main()
