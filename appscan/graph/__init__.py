"""Call-graph analysis over ``ApkFacts``: entry points, start-up and background reachability, consent gating.

Works on facts only (no androguard): ``CallGraph(facts)`` makes the graph, ``ReachAnalysis`` runs the
searches once, ``analyze`` classifies call sites and ``requests_at_startup`` finds early permission requests.
"""

from __future__ import annotations

from appscan.graph.callgraph import CallGraph
from appscan.graph.entrypoints import EntryPoint, entry_points
from appscan.graph.feasible import FailingCalls
from appscan.graph.reach import (
           PermissionRequest,
           ReachAnalysis,
           analyze,
           consent_gates,
           requests_at_startup,
)

__all__ = ["CallGraph", "EntryPoint", "FailingCalls", "PermissionRequest", "ReachAnalysis", "analyze", "consent_gates",
           "entry_points", "requests_at_startup"]
