"""The upload service an app store runs (``appscan serve``): the FastAPI application, its upload handling, the
dispatch of uploads to supervised scans or Celery workers, and per-key limits. FastAPI and uvicorn are the
``server`` extra; nothing here is imported by a scan.
"""
