"""Where the framework enters app code: the entry points of the call graph, each labelled with its kind.

Kinds and when they run:

* ``application``: ``attachBaseContext``/``onCreate`` (and the static initialiser) of the manifest's Application
  class, at every process start;
* ``provider``: ``onCreate`` of every declared ContentProvider, which runs even before ``Application.onCreate``
  (SDKs initialise themselves there without the app calling them);
* ``startup-initializer``: ``create`` of every androidx.startup ``Initializer`` named in the meta-data of
  ``androidx.startup.InitializationProvider``;
* ``launcher``: ``onCreate``/``onStart``/``onResume`` of the launcher activity;
* ``receiver``, ``service``, ``job`` (``JobService.onStartJob``), ``worker`` (WorkManager ``doWork``/``startWork``):
  the background kinds;
* ``activity``: the lifecycle of the other activities, which run only when something opens them.

Methods are inherited: when a component class does not define a lifecycle method, the nearest superclass in the
APK that does provides it.
"""

from __future__ import annotations

from typing import NamedTuple

from appscan.graph.hierarchy import Hierarchy, descriptor
from appscan.model import ApkFacts

__all__ = ["BACKGROUND_KINDS", "EntryPoint", "LIFECYCLE", "STARTUP_KINDS", "entry_points"]

STARTUP_KINDS = ("application", "provider", "startup-initializer", "launcher")
"""In this order: the order of the sources of the start-up search decides which entry a shared path is shown from."""
BACKGROUND_KINDS = ("receiver", "service", "job", "worker")

LIFECYCLE: dict[str, tuple[str, ...]] = {
    "application": ("<clinit>", "attachBaseContext", "onCreate"),
    "provider": ("<clinit>", "onCreate"),
    "launcher": ("attachBaseContext", "onCreate", "onStart", "onResume"),
    "activity": ("onCreate", "onStart", "onResume", "onNewIntent", "onActivityResult"),
    "service": ("onCreate", "onStartCommand", "onStart", "onBind", "onHandleIntent", "onHandleWork"),
    "receiver": ("onReceive",),
    "job": ("onStartJob",),
    "worker": ("doWork", "startWork"),
    "startup-initializer": ("create",),
}
"""Methods the framework calls, per entry kind (also the targets of ``startActivity``/``startService``...)."""

_JOB_SERVICE = ("Landroid/app/job/JobService;",)
_WORKERS = ("Landroidx/work/ListenableWorker;", "Landroidx/work/Worker;")
_STARTUP_PROVIDER = "androidx.startup.InitializationProvider"


class EntryPoint(NamedTuple):
    """A method the framework calls, how it is reached and (for receivers) on which broadcast actions."""

    method: str
    kind: str
    actions: tuple[str, ...] = ()


def _methods(h: Hierarchy, cls: str, kind: str) -> list[str]:
    """The lifecycle methods of ``kind`` that class ``cls`` has (defined or inherited within the APK)."""
    return [m for name in LIFECYCLE[kind] for m in h.named(cls, name)]


def entry_points(facts: ApkFacts, h: Hierarchy) -> list[EntryPoint]:
    """Every entry point of the app, start-up kinds first (in ``STARTUP_KINDS`` order), duplicates removed."""
    found: list[EntryPoint] = []

    def add(cls: str, kind: str, actions: tuple[str, ...] = ()) -> None:
        found.extend(EntryPoint(m, kind, actions) for m in _methods(h, cls, kind))

    if facts.app.application_class:
        add(descriptor(facts.app.application_class), "application")
    components = [c for c in facts.manifest.components if c.enabled]
    for c in components:
        if c.type == "provider":
            add(descriptor(c.name), "provider")
    for md in facts.manifest.meta_data:
        if md.owner == _STARTUP_PROVIDER and md.value == "androidx.startup":
            add(descriptor(md.name), "startup-initializer")
    launcher = descriptor(facts.app.launcher_activity) if facts.app.launcher_activity else None
    if launcher:
        add(launcher, "launcher")
    for c in components:
        cls = descriptor(c.target_activity or c.name)
        if c.type == "receiver":
            add(cls, "receiver", c.actions)
        elif c.type == "service":
            add(cls, "service")
            if h.is_a(cls, _JOB_SERVICE):
                add(cls, "job")
        elif c.type == "activity" and cls != launcher:
            add(cls, "activity")
    for cls in sorted(h.classes):
        if cls not in _WORKERS and h.is_a(cls, _WORKERS):  # the androidx bases themselves are not workers
            found.extend(EntryPoint(m, "worker") for name in LIFECYCLE["worker"]
                         for m in h.named(cls, name) if m.startswith(cls))
    seen: set[tuple[str, str]] = set()
    unique = []
    for e in found:
        if (e.method, e.kind) not in seen:
            seen.add((e.method, e.kind))
            unique.append(e)
    return unique
