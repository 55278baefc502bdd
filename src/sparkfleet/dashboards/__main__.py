"""`python -m sparkfleet.dashboards DIRECTORY`: write the dashboards' JSON into DIRECTORY."""

import sys

from sparkfleet.dashboards.boards import main

raise SystemExit(main(sys.argv[1:]))
