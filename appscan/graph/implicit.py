"""The framework calls app code back: the table of registration APIs and the callbacks they lead to.

Android code rarely calls its own callbacks: it hands an object to the framework (``Thread.start``,
``Handler.post``, ``LocationManager.requestLocationUpdates``...) and the framework calls it later. One rule covers all
of them: when a method calls a registration API, the callback objects it can be handing over are the APK classes it
constructs (calls ``<init>`` of), its own class (``setOnClickListener(this)``) and the class the call is written
against (``myThread.start()``); those that are of the rule's callback type get an edge to their callback methods.
Adding an API is adding a row to ``CALLBACK_RULES``.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["CALLBACK_RULES", "COMPONENT_STARTS", "CallbackRule", "INTERACTION", "INTERACTION_TYPES", "PERIODIC",
           "match_rule", "may_register"]


class CallbackRule(NamedTuple):
    """One registration API family and the callbacks it makes the framework call."""

    kind: str
    """Edge label (also the ``via`` of a path step)."""
    owners: tuple[str, ...]
    """Class prefixes the API is declared on (as written, or the framework class an app class inherits it from);
    empty means any class."""
    names: tuple[str, ...]
    """Prefixes of the API's ``name(Args)Ret`` (a name alone matches every overload)."""
    types: tuple[str, ...]
    """The callback object must extend or implement one of these."""
    callbacks: tuple[str, ...]
    """Names of the methods the framework calls on it."""


_RUNNABLE = "Ljava/lang/Runnable;"
_CLICK_TYPES = (
    "Landroid/view/View$OnClickListener;", "Landroid/view/View$OnLongClickListener;",
    "Landroid/view/View$OnTouchListener;", "Landroid/content/DialogInterface$OnClickListener;",
    "Landroid/content/DialogInterface$OnMultiChoiceClickListener;", "Landroid/widget/AdapterView$OnItemClickListener;",
    "Landroid/widget/CompoundButton$OnCheckedChangeListener;", "Landroid/widget/RadioGroup$OnCheckedChangeListener;",
    "Landroid/view/MenuItem$OnMenuItemClickListener;",
)

# First matching row wins: each periodic row (timer, periodic-executor) comes before its one-shot counterpart.
CALLBACK_RULES: tuple[CallbackRule, ...] = (
    CallbackRule("timer", ("Ljava/util/Timer;",),
                 ("scheduleAtFixedRate(", "schedule(Ljava/util/TimerTask;JJ)",
                  "schedule(Ljava/util/TimerTask;Ljava/util/Date;J)"),
                 ("Ljava/util/TimerTask;",), ("run",)),
    CallbackRule("timer-once", ("Ljava/util/Timer;",), ("schedule(",), ("Ljava/util/TimerTask;",), ("run",)),
    CallbackRule("periodic-executor", ("Ljava/util/concurrent/",), ("scheduleAtFixedRate", "scheduleWithFixedDelay"),
                 (_RUNNABLE,), ("run",)),
    CallbackRule("executor", ("Ljava/util/concurrent/",), ("execute", "submit", "invokeA", "schedule"),
                 (_RUNNABLE, "Ljava/util/concurrent/Callable;"), ("run", "call")),
    CallbackRule("thread", ("Ljava/lang/Thread;", "Landroid/os/HandlerThread;"), ("start",),
                 ("Ljava/lang/Thread;", _RUNNABLE), ("run", "onLooperPrepared")),
    CallbackRule("post", ("Landroid/os/Handler;", "Landroid/view/", "Landroid/widget/", "Landroid/app/Activity;"),
                 ("post(", "postDelayed(", "postAtTime(", "postAtFrontOfQueue(", "postOnAnimation",
                  "runOnUiThread("),
                 (_RUNNABLE,), ("run",)),
    CallbackRule("handler-message", ("Landroid/os/Handler;",), ("sendMessage", "sendEmptyMessage"),
                 ("Landroid/os/Handler;",), ("handleMessage",)),
    # A Handler built on a Callback hands it every message: the callback is registered where the Handler is made.
    CallbackRule("handler-callback", ("Landroid/os/Handler;",),
                 ("<init>(Landroid/os/Handler$Callback;)", "<init>(Landroid/os/Looper;Landroid/os/Handler$Callback;"),
                 ("Landroid/os/Handler$Callback;",), ("handleMessage",)),
    CallbackRule("asynctask", ("Landroid/os/AsyncTask;",), ("execute",), ("Landroid/os/AsyncTask;",),
                 ("onPreExecute", "doInBackground", "onProgressUpdate", "onPostExecute")),
    CallbackRule("location", ("Landroid/location/LocationManager;",), ("requestLocationUpdates", "requestSingleUpdate"),
                 ("Landroid/location/LocationListener;",),
                 ("onLocationChanged", "onStatusChanged", "onProviderEnabled", "onProviderDisabled")),
    CallbackRule("sensor", ("Landroid/hardware/SensorManager;",), ("registerListener",),
                 ("Landroid/hardware/SensorEventListener;",), ("onSensorChanged", "onAccuracyChanged")),
    CallbackRule("receiver", (), ("registerReceiver",), ("Landroid/content/BroadcastReceiver;",), ("onReceive",)),
    # Registered in Application.onCreate, called as the launcher activity comes up.
    CallbackRule("activity-lifecycle", ("Landroid/app/Application;",), ("registerActivityLifecycleCallbacks",),
                 ("Landroid/app/Application$ActivityLifecycleCallbacks;",),
                 ("onActivityCreated", "onActivityStarted", "onActivityResumed")),
    CallbackRule("fragment", ("Landroidx/fragment/app/FragmentTransaction;", "Landroid/app/FragmentTransaction;"),
                 ("add(", "replace(", "attach(", "show("),
                 ("Landroidx/fragment/app/Fragment;", "Landroid/app/Fragment;"),
                 ("onAttach", "onCreate", "onCreateView", "onViewCreated", "onActivityCreated", "onStart", "onResume")),
    CallbackRule("click", ("Landroid/view/", "Landroid/widget/", "Landroid/app/AlertDialog$Builder;",
                           "Landroidx/appcompat/app/AlertDialog$Builder;", "Landroid/app/Dialog;",
                           "Lcom/google/android/material/"),
                 ("setOn", "setPositiveButton", "setNegativeButton", "setNeutralButton", "setItems",
                  "setSingleChoiceItems", "setMultiChoiceItems"),
                 _CLICK_TYPES, ("onClick", "onLongClick", "onTouch", "onItemClick", "onCheckedChanged",
                                "onMenuItemClick")),
)

INTERACTION = frozenset({"click"})
"""Edge kinds that need the user to act: what is reached only through them does not run at start-up."""
INTERACTION_TYPES = frozenset(_CLICK_TYPES)
"""Interfaces whose methods only run on user input: dispatch edges through them are interaction edges too."""
PERIODIC = frozenset({"timer", "periodic-executor"})
"""Edge kinds whose callback runs again and again (repeated, background collection)."""

COMPONENT_STARTS = ("startActivity", "startActivities", "startActivityForResult", "startActivityIfNeeded",
                    "startService", "startForegroundService", "bindService", "sendBroadcast",
                    "sendOrderedBroadcast")
"""Method names that start a component named by the Intent (any owner: Context, Activity, ContextCompat...)."""


_ANY_NAME = tuple(n for rule in CALLBACK_RULES for n in rule.names)


def may_register(sub: str) -> bool:
    """Cheap pre-check: could a method ``name(Args)Ret`` be a registration API of some rule."""
    return sub.startswith(_ANY_NAME)


def match_rule(owners: tuple[str, ...], sub: str) -> CallbackRule | None:
    """The first rule whose API matches a call to ``sub`` (``name(Args)Ret``) on any of ``owners`` (the written
    class and the framework class it inherits the method from)."""
    for rule in CALLBACK_RULES:
        if sub.startswith(rule.names) and (not rule.owners or any(o.startswith(rule.owners) for o in owners)):
            return rule
    return None
