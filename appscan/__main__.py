"""``python -m appscan``: the same entry point as the ``appscan`` console command."""

from __future__ import annotations

from appscan.cli import main

if __name__ == "__main__":
    main()
