"""Run the ``appscan`` command with the scale commands attached, as a subprocess entry point for these tests.

The lead registers ``batch``, ``worker``, ``submit``, ``serve`` and ``apikey`` in ``appscan.cli``; until then (and
harmlessly after) this adds them to the group before running it.
"""

from __future__ import annotations

from appscan.cli import main
from appscan.cli.batch_cmd import batch
from appscan.cli.serve_cmd import apikey, serve
from appscan.cli.worker_cmd import submit, worker

for command in (batch, worker, submit, serve, apikey):
    main.add_command(command)

if __name__ == "__main__":
    main()
