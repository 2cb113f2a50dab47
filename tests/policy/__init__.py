"""Labelled privacy policies and their checks (issue 14)."""
