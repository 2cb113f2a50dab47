"""Entry points are found for every component kind, inherited where the class does not define the method."""

from __future__ import annotations

from appscan.graph.entrypoints import entry_points
from appscan.graph.hierarchy import Hierarchy
from tests.graph.factory import apk, component, klass

SERVICE = "Landroid/app/Service;"


def test_entry_kinds_and_inheritance() -> None:
    facts = apk([
        klass("Lcom/ex/Sync;", "onCreate()V", "onStartCommand(Landroid/content/Intent;II)I", superclass=SERVICE),
        klass("Lcom/ex/BaseJob;", "onStartJob(Landroid/app/job/JobParameters;)Z",
              superclass="Landroid/app/job/JobService;"),
        klass("Lcom/ex/Job;", "<init>()V", superclass="Lcom/ex/BaseJob;"),
        klass("Landroidx/work/ListenableWorker;", "startWork()V"),
        klass("Lcom/ex/Upload;", "doWork()Landroidx/work/ListenableWorker$Result;",
              superclass="Landroidx/work/ListenableWorker;"),
        klass("Lcom/ex/About;", "onCreate(Landroid/os/Bundle;)V", superclass="Landroid/app/Activity;"),
        klass("Lcom/ex/Main;", "onResume()V", superclass="Landroid/app/Activity;"),
    ], [], components=[component("service", "com.ex.Sync"), component("service", "com.ex.Job"),
                       component("activity", "com.ex.About"), component("activity", "com.ex.Main")],
        launcher="com.ex.Main")
    found = {(e.method, e.kind) for e in entry_points(facts, Hierarchy(facts.code.classes))}
    assert found == {
        ("Lcom/ex/Main;->onResume()V", "launcher"),
        ("Lcom/ex/Sync;->onCreate()V", "service"),
        ("Lcom/ex/Sync;->onStartCommand(Landroid/content/Intent;II)I", "service"),
        ("Lcom/ex/BaseJob;->onStartJob(Landroid/app/job/JobParameters;)Z", "job"),
        ("Lcom/ex/Upload;->doWork()Landroidx/work/ListenableWorker$Result;", "worker"),
        ("Lcom/ex/About;->onCreate(Landroid/os/Bundle;)V", "activity"),
    }
