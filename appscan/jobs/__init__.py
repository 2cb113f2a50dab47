"""Jobs: scanning many APKs on one machine or many, each scan in a supervised process.

``ingest`` admits a file (reuse of a stored scan, the one transaction that stores a result, the record of a file
that cannot be read), ``supervise`` runs scans in child processes under time and memory limits, ``batch`` walks a
catalogue with them, and ``worker`` is the Celery task for a shared queue. All of them call ``appscan.scan.scan_file``
and hold no scanning logic of their own.
"""
