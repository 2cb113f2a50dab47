"""What a matched catalogue call really yields: the catalogue's conditions applied to one call site.

A call of a sensitive API is not always collection. ``getPackageInfo(getPackageName(), 0)`` reads the app's own
version, ``getPackageInfo("com.android.vending", 0)`` asks whether one app is installed, ``getRunningAppProcesses()``
compared with ``Process.myPid()`` asks whether the app itself is in the foreground, and ``getLastKnownLocation`` in
an app that declares no location permission can only throw. Counting such calls as personal-data collection is what
makes a reviewer stop trusting a report, so each call gets an *effect* (``ApiCall.effect``):

* ``collection``: the call yields the data type; ``guarded``: the same, after a check of its permission;
* ``behaviour``: a catalogue behaviour (reflection, scheduling, sending SMS...), never collection;
* ``own-app``: a lookup of the app's own package; ``probe``: a yes/no question about one thing (one named package,
  one intent, one named process, whether the network is up, the row of one known file, whether the APN is a carrier
  WAP one), not the installed-app list, the network type or the media library;
  ``foreground-check``: the running-process list compared with the app's own pid or name;
* ``inert``: the permission the call needs is not declared, so it cannot return data; or the call is in library
  code that runs only when the app switches it on, and the app never does (``DormantCode``).

The evidence, best first: the register flow of the calling method (``facts.code.flow``), i.e. what reaches the
package-name, Intent or selection argument, following a parameter one level up into the callers and a String an app
method returns into that method; then, where no flow can be decoded, the calling method's string constants and calls.
The flow over-approximates (a register holds everything ever written to it), so values whose type cannot be the
argument's (a ``PackageInfo`` result in a reused register) are ignored, and string constants count as package names
only when they look like one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

from appscan.apk.flow import InvokeFlow, MethodFlow, Value, param_types
from appscan.model import COLLECTING_EFFECTS, ApkFacts
from appscan.rules.catalog import DormantCode, SensitiveApi

__all__ = ["EFFECTS", "Effect", "EffectJudge", "MethodIndex"]

EFFECTS = ("collection", "guarded", "probe", "foreground-check", "own-app", "inert", "behaviour")
"""Every effect, in the order used to combine several invokes of one API in one method: the first that occurs
wins, so a method that looks up its own package and also one constant package is reported as a probe."""

_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+(:[A-Za-z0-9_.]+)?$")
"""A dotted name, optionally with a process suffix (``com.example:push``)."""
_STRINGISH = ("Ljava/lang/String;", "Ljava/lang/CharSequence;", "Ljava/lang/Object;")
"""Types a package-name value can have on its way to the argument."""
_CONTEXTS = frozenset({
    "Landroid/content/Context;", "Landroid/content/ContextWrapper;", "Landroid/view/ContextThemeWrapper;",
    "Landroid/app/Activity;", "Landroid/app/Application;", "Landroid/app/Service;", "Landroid/app/IntentService;",
    "Landroid/app/ListActivity;", "Landroid/app/TabActivity;", "Landroid/app/ActivityGroup;",
    "Landroid/accessibilityservice/AccessibilityService;", "Landroid/inputmethodservice/InputMethodService;",
    "Landroid/service/wallpaper/WallpaperService;", "Landroid/app/backup/BackupAgent;",
})
"""Framework classes whose ``getPackageName()`` is the app's own (unlike ``ComponentName`` or a notification's)."""
_OWN_NAMES = ("getPackageName()Ljava/lang/String;", "getOpPackageName()Ljava/lang/String;",
              "getBasePackageName()Ljava/lang/String;")
_PROCESS_NAME = "Landroid/app/Application;->getProcessName()Ljava/lang/String;"
_MY_PID = "Landroid/os/Process;->myPid()I"
_ITERATION = ("Ljava/util/Iterator;->next()Ljava/lang/Object;",
              "Ljava/util/Enumeration;->nextElement()Ljava/lang/Object;")
"""Results that walk a collection; ``List.get`` is left out: androidx's FontsContractCompat reuses the package-name
register for a certificate list it indexes, and one such junk value must not turn a probe into a list."""
_INTENT_QUERIES = tuple(f"Landroid/content/pm/PackageManager;->{m}(" for m in (
    "queryIntentActivities", "queryIntentServices", "queryBroadcastReceivers", "queryIntentContentProviders"))
_ONE_RESULT = ("Z", "Landroid/content/pm/PackageInfo;", "Landroid/content/pm/ApplicationInfo;")
"""Return types of a method that searches a list for one entry: found or not, or that entry."""
_BUILDERS = ("Ljava/util/List;->add(", "Ljava/util/ArrayList;->add(", "Ljava/util/Collection;->add(",
             "Ljava/util/Set;->add(", "Ljava/util/HashSet;->add(", "Ljava/util/Map;->put(", "Ljava/util/HashMap;->put(",
             "Lorg/json/JSONArray;->put(", "Lorg/json/JSONObject;->put(")
"""Calls that build a collection: a method making them may be copying the list out, not searching it."""
_COMPARISONS = ("Ljava/lang/String;->equals(", "Ljava/lang/String;->equalsIgnoreCase(",
                "Ljava/lang/String;->contains(", "Ljava/lang/String;->startsWith(", "Ljava/lang/String;->endsWith(",
                "Landroid/text/TextUtils;->equals(", "Ljava/util/Objects;->equals(")
_PERMISSION_CHECKS = ("->checkSelfPermission(", "->checkPermission(", "->checkCallingOrSelfPermission(",
                      "->checkCallingPermission(")
_MAIN = "android.intent.action.MAIN"
_LAUNCHER = "android.intent.category.LAUNCHER"
_HOME = "android.intent.category.HOME"
_GRANTED_IN_SETTINGS = {"android.permission.PACKAGE_USAGE_STATS": "android.settings.USAGE_ACCESS_SETTINGS"}
"""App-op permissions that declaring does not grant: the user switches them on in a Settings screen, and an app that
means to use one sends the user there (an Intent with this action). Declared but never asked for, they are not
held, and the API returns nothing."""
_DEPTH = 2
"""Hops (caller of a parameter, or into an app method's return) followed to resolve a package name."""
_ONE_ROW = re.compile(r"\s*(_data|_id|_display_name)\s*=\s*\?\s*", re.IGNORECASE)
"""A content-query selection that picks one row by an identifying column (``_data=?``: the file at one path),
``fullmatch``-ed so that nothing else may be in the clause: no LIKE, no AND/OR, no other column, no range."""
_SELECTION_DEPTH = 1
"""Hops followed to resolve a selection: a helper given its selection by its direct callers, no further."""
_TESTS = _COMPARISONS + tuple(f"Ljava/lang/String;->{m}" for m in (
    "indexOf(", "lastIndexOf(", "matches(", "compareTo", "contentEquals(", "regionMatches(", "length()", "isEmpty()")) \
    + ("Landroid/text/TextUtils;->isEmpty(", "Ljava/lang/Object;->equals(", "Ljava/lang/Enum;->equals(")
"""Calls that only test a String (or an enum): the answer, a boolean or a position, keeps nothing of the value."""
_STRING = "Ljava/lang/String;->"
"""A String method returning a String (``toLowerCase``, ``trim``) carries the value on; any other one (``getBytes``,
``split``) hands it out in another form."""
_TEXT_BUILDERS = ("Ljava/lang/StringBuilder;->", "Ljava/lang/StringBuffer;->")
"""A text builder given the value holds it, and so does every String it builds."""
_LOG = "Landroid/util/Log;->"
"""Logcat: the device's own log, neither kept by the app nor sent."""
_NETWORK_INFO = "Landroid/net/NetworkInfo"
"""``NetworkInfo`` and its ``$State``/``$DetailedState``: reading one of its fields reads the network state."""
_PROXIES = ("Ljava/net/Proxy;-><init>(", "Lorg/apache/http/HttpHost;-><init>(")
"""Building a proxy: a method that compares the APN with strings it hides, then builds one, chooses a proxy."""
_NUMBER_OUTLETS = _BUILDERS + (
    "Ljava/lang/StringBuilder;->append(I", "Ljava/lang/StringBuilder;->append(J", "Ljava/lang/StringBuffer;->append(I",
    "Ljava/lang/StringBuffer;->append(J", "Ljava/lang/String;->valueOf(I", "Ljava/lang/String;->valueOf(J",
    "Ljava/lang/String;->format(", "Ljava/lang/Integer;->", "Ljava/lang/Long;->", "Lorg/json/",
    "Landroid/os/Bundle;->put", "Landroid/content/Intent;->putExtra", "Landroid/content/SharedPreferences$Editor;->put",
    "Landroid/content/ContentValues;->put")
"""Calls that can turn a number into text or keep it: the register flow tracks no primitive, so a method that reads
the network type (``getType()``, an int) and makes one of them may be keeping or sending it. (A number stored in a
field, ``sput``, is not seen: the decoded flow records object stores only.)"""
_NUMBERS = frozenset("IJSBCFD")
"""Primitive return types that can carry a number such as ``getType()`` or a code for the APN (a boolean is only a
yes/no)."""
_PROXY_HOST = re.compile(r"\d{1,3}(\.\d{1,3}){3}(:\d+)?")
"""A proxy address (``10.0.0.172``): the one constant a proxy choice may return or store, where a network-type
helper hands on a name for the APN (``"wap"``, ``"cmwap"``)."""


@dataclass(frozen=True, slots=True)
class Effect:
    """What one call yields, and why when it is not plain collection."""

    name: str
    reason: str | None = None


_USAGE_LISTS = ("Landroid/app/usage/UsageStatsManager;->queryUsageStats",
                "Landroid/app/usage/UsageStatsManager;->queryAndAggregateUsageStats")
"""The usage statistics: the apps used recently, already counted as app usage where they are read."""
_OPEN_LISTS = ("Landroid/content/pm/PackageManager;->getInstalled", "Landroid/content/pm/PackageManager;->query",
               "Landroid/app/ActivityManager;->getRunning")
"""Package lists a method may walk instead that need no such permission."""


def _package_like(text: str) -> bool:
    """A constant that can be a package or process name (``com.example``, ``com.example:push``), not a class
    (``android.os.Build``) or an action (``android.intent.action.MAIN``): its last segment is not capitalised."""
    return _PACKAGE.match(text) is not None and not text.split(":", 1)[0].rsplit(".", 1)[-1][:1].isupper()


_COLLECTION = Effect("collection")
_BEHAVIOUR = Effect("behaviour")


class MethodIndex:
    """Who calls what, by method, for the few methods the conditions ask about.

    A large app has 300k call sites and the conditions ask about a few dozen methods, so nothing is indexed up
    front: a method's callees come from its decoded flow (or, for facts without dex bytes, from one grouping of the
    call sites); the callers of the methods that make catalogue calls are gathered in one pass (``prefetch``), and
    any other method's from a C-speed search of the callee column; only an app that asks about many more methods
    gets a full callers index."""

    _SEARCHES = 8
    """Caller searches (10-40 ms each on a large app) before one full index (200-400 ms) is cheaper."""

    def __init__(self, facts: ApkFacts) -> None:
        self._facts = facts
        self._callees: dict[str, frozenset[str]] = {}
        self._grouped: dict[str, frozenset[str]] | None = None
        self._column: list[str] | None = None
        self._callers: dict[str, list[str]] = {}
        self._index: dict[str, list[str]] | None = None
        self._searched = 0

    def callees(self, method: str) -> frozenset[str]:
        """Every method ``method`` invokes (smali)."""
        found = self._callees.get(method)
        if found is None:
            flow = self._facts.code.flow(method)
            found = frozenset(c for c, _ in flow.calls) if flow is not None else self._group(method)
            self._callees[method] = found
        return found

    def _group(self, method: str) -> frozenset[str]:
        if self._grouped is None:
            grouped: dict[str, frozenset[str]] = {}
            for caller, group in groupby(self._facts.code.call_sites, key=itemgetter(0)):
                sites = frozenset(site[1] for site in group)
                grouped[caller] = grouped[caller] | sites if caller in grouped else sites
            self._grouped = grouped
        return self._grouped.get(method, frozenset())

    def prefetch(self, methods: Iterable[str]) -> None:
        """Gather the callers of ``methods`` in one pass over the call sites (they will be asked for)."""
        wanted: dict[str, set[str]] = {m: set() for m in methods if m not in self._callers}
        if not wanted or self._index is not None:
            return
        for caller, callee, _ in self._facts.code.call_sites:
            found = wanted.get(callee)
            if found is not None:
                found.add(caller)
        self._callers.update((m, sorted(found)) for m, found in wanted.items())

    def callers(self, method: str) -> list[str]:
        """Every method that invokes ``method`` by exactly this name (each once, sorted)."""
        found = self._callers.get(method)
        if found is not None:
            return found
        sites = self._facts.code.call_sites
        if self._index is None and self._searched >= self._SEARCHES:
            index: dict[str, list[str]] = {}
            for caller, callee, _ in sites:
                index.setdefault(callee, []).append(caller)
            self._index = index
        if self._index is not None:
            found = sorted(set(self._index.get(method, ())))
        else:
            if self._column is None:
                self._column = list(map(itemgetter(1), sites))
            hits, at = set(), -1
            while True:
                try:
                    at = self._column.index(method, at + 1)
                except ValueError:
                    break
                hits.add(sites[at][0])
            found = sorted(hits)
            self._searched += 1
        self._callers[method] = found
        return found


@dataclass
class _Sources:
    """Where the Strings (package names, selections) reaching one argument come from."""

    own: bool = False
    constants: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)
    walked: set[str] = field(default_factory=set)
    """Methods where a value comes from iterating a collection (``Iterator.next``): packages looked up one by one."""
    passed_null: bool = False
    """A direct caller passes nothing the flow tracks (``null``, which ``const/4`` writes) for the parameter: where a
    missing value widens the call (a null selection reads every row), the constants from the other callers are not
    all it gets; a package lookup ignores it."""

    def merge(self, other: _Sources) -> None:
        self.own |= other.own
        self.constants |= other.constants
        self.unknown |= other.unknown
        self.walked |= other.walked
        self.passed_null |= other.passed_null

    @property
    def empty(self) -> bool:
        return not (self.own or self.constants or self.unknown)

    @property
    def only_own(self) -> bool:
        return self.own and not self.constants and not self.unknown


_Constant = Callable[[str], _Sources]
"""How a constant string reaching an argument is read (a package name, or any text such as a selection)."""


def _text(text: str) -> _Sources:
    """A constant read as it is: every string reaching a selection argument is part of what it can be."""
    return _Sources(constants={text})


@dataclass
class _Use:
    """What one method does with a value it read (``_use``), when it neither keeps nor hands it on."""

    compared: bool = False
    """A test (``equals``, ``contains``…) is given the value or a String derived from it."""
    operands: set[Value] = field(default_factory=set)
    """What those tests compare it with (the tests' other arguments)."""
    numbers: bool = False
    """A number (``getType()``) is read from it: the flow tracks no primitive, the caller must look further."""


def _carries(callee: str) -> bool:
    """A String method that returns the String it is given in another form (``toLowerCase``, ``trim``)."""
    return callee.startswith(_STRING) and _return_type(callee) == "Ljava/lang/String;"


def _use(flow: MethodFlow, source: Value) -> _Use | None:
    """Follow ``source`` and what the method derives from it (a ``NetworkInfo``'s Strings and state, a lower-cased
    copy, a text builder holding it and the Strings it builds) through ``flow``; None when any of them is returned,
    stored in a field or an array, or given to a call that is not a test, a String or text-builder method, a
    ``NetworkInfo`` getter or logcat. The flow over-approximates (a call's result stands for every call of that
    method in the method), which can only find more uses, never fewer."""
    held = {source}
    grown = True
    while grown:
        size = len(held)
        for inv in flow.invokes:
            given = [bool(arg & held) for arg in inv.args]
            if not any(given):
                continue
            callee, result = inv.callee, Value("result", inv.callee)
            if callee.startswith(_TEXT_BUILDERS):
                held.add(result)
                if inv.kind != "static" and inv.args:
                    held |= inv.args[0]
            elif _carries(callee) or (callee.startswith(_NETWORK_INFO) and given[0]
                                      and _return_type(callee)[:1] in ("L", "[")):
                held.add(result)
        grown = len(held) > size
    use = _Use()
    for inv in flow.invokes:
        given = [bool(arg & held) for arg in inv.args]
        if not any(given):
            continue
        callee = inv.callee
        if callee.startswith(_TESTS):
            use.compared = True
            use.operands.update(v for arg, g in zip(inv.args, given) if not g for v in arg)
        elif callee.startswith(_NETWORK_INFO) and inv.kind != "static" and not any(given[1:]):
            use.numbers |= _return_type(callee) in _NUMBERS
        elif not (callee.startswith((*_TEXT_BUILDERS, _LOG)) or _carries(callee)):
            return None
    if held & flow.returns or held & flow.stored:
        return None
    return use


def _return_type(method: str) -> str:
    """The return type descriptor of a smali method; empty for a field or a reflective use."""
    return method[method.rindex(")") + 1:] if ")" in method else ""


def _short(method: str) -> str:
    """``Lcom/x/Y;->m(I)V`` -> ``Y.m``: enough to name a method in a one-line reason."""
    cls, _, rest = method.partition(";->")
    return cls.rsplit("/", 1)[-1] + "." + rest.split("(", 1)[0]


class EffectJudge:
    """Decides the effect of each matched call of one app (see the module docstring)."""

    def __init__(self, facts: ApkFacts, methods: MethodIndex, dormant: Iterable[DormantCode] = ()) -> None:
        self._facts = facts
        self._methods = methods
        self._dormant = {cls: code for code in dormant for cls in code.callers}
        """Library code the app may leave switched off (``DormantCode``), by class."""
        self._asleep: dict[DormantCode, bool] = {}
        self._package = facts.app.package
        declared = {p.name for p in facts.manifest.permissions}
        for permission, action in _GRANTED_IN_SETTINGS.items():
            if permission in declared and not any(action in texts for texts in facts.code.strings.values()):
                declared.discard(permission)
        self._declared = frozenset(declared)
        """The permissions the app can hold: declared, and for those granted in Settings, asked for there."""
        self._supers = {c.name: c.superclass for c in facts.code.classes}

    def judge(self, api: SensitiveApi, caller: str, callee: str, reflective: bool = False) -> Effect:
        """The effect of ``caller``'s calls of ``callee`` (``api`` matched them); ``reflective`` when the call was
        found from reflection strings, so that no invoke carries its arguments. A collecting call from library code
        the app never switches on is inert whatever the call would yield."""
        effect = self._effect(api, caller, callee, reflective)
        return (self._switched_off(caller) or effect) if effect.name in COLLECTING_EFFECTS else effect

    def _switched_off(self, caller: str) -> Effect | None:
        """``inert`` for a call from dormant library code the app never switches on, else None; whether the app
        calls a switch is searched once per dormant entry, and only for an entry whose classes collect."""
        code = self._dormant.get(caller.partition("->")[0])
        if code is None:
            return None
        if code not in self._asleep:
            self._asleep[code] = not any(callee.startswith(code.unless_called)
                                         for _, callee, _ in self._facts.code.call_sites)
        return Effect("inert", code.reason) if self._asleep[code] else None

    def _effect(self, api: SensitiveApi, caller: str, callee: str, reflective: bool) -> Effect:
        """The effect the call itself has, by the entry's conditions (see ``judge``)."""
        if api.role == "behaviour":
            return _BEHAVIOUR
        if not reflective and api.package_argument is not None:
            return self._combined(self._package_lookup(api.package_argument, caller, inv)
                                  for inv in self._invokes(caller, callee)) or self._package_fallback(caller)
        if not reflective and api.intent_argument is not None:
            effect = self._combined(self._intent_query(api.intent_argument, caller, inv)
                                    for inv in self._invokes(caller, callee)) or self._intent_effect([caller])
            if effect.name != "collection":
                return effect
        if not reflective and api.selection_argument is not None:
            effect = self._one_row(api.selection_argument, caller, self._invokes(caller, callee))
            if effect is not None:
                return effect
        if api.read_by_any and not self._read(caller, callee, api.read_by_any):
            shown = "/".join(p.rsplit("->", 1)[-1].split("(", 1)[0] for p in api.read_by_any[:3])
            return Effect("probe", f"only checked: neither the caller nor its callers read {shown}")
        if api.own_process:
            effect = self._own_process(caller)
            if effect is not None:
                return effect
        if api.one_entry:
            effect = self._one_entry(caller)
            if effect is not None:
                return effect
        if not reflective and api.proxy_apns:
            effect = self._proxy_choice(api.proxy_apns, caller, callee)
            if effect is not None:
                return effect
        if api.permission_any:
            return self._permission(api.permission_any, caller)
        return _COLLECTION

    # -- argument conditions -------------------------------------------------------------------------------

    def _invokes(self, caller: str, callee: str) -> list[InvokeFlow]:
        flow = self._facts.code.flow(caller)
        return [inv for inv in flow.invokes if inv.callee == callee] if flow is not None else []

    @staticmethod
    def _combined(effects: Iterable[Effect]) -> Effect | None:
        """Several invokes of one API in one method: the effect that counts most (``EFFECTS`` order)."""
        found = list(effects)
        return min(found, key=lambda e: EFFECTS.index(e.name)) if found else None

    def _package_lookup(self, index: int, caller: str, inv: InvokeFlow) -> Effect:
        """A lookup of one package: the app's own -> own-app, anything else -> probe (one package is not a list)."""
        flow = self._facts.code.flow(caller)
        sources = self._sources(flow, inv.args[index], _DEPTH) if flow is not None and index < len(inv.args) \
            else _Sources()
        if sources.empty:
            return self._package_fallback(caller)
        if sources.only_own:
            return Effect("own-app", "package name is the app's own (getPackageName())")
        if sources.walked:
            if all(self._resolves_one_intent(m) for m in sources.walked):
                return Effect("probe", "looked up for each app resolving one intent, not the installed-app list")
            usage = [self._usage_list(m) for m in sources.walked]
            if all(u is not None for u in usage):
                if not any(usage):
                    return Effect("inert", "the packages come from usage statistics, and PACKAGE_USAGE_STATS is not "
                                           "declared or never asked for in Settings (the list is empty)")
                return Effect("probe", "looked up for each app of the usage statistics (counted as app usage), not "
                                       "the installed-app list")
            if all(self._answers_one(m) for m in sources.walked):
                return Effect("probe", "looks up each package of a list only to answer whether (or which) one is "
                                       "installed, not the installed-app list")
            return Effect("collection", "looked up for each package of a list")
        if sources.constants:
            names = sorted(sources.constants)
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            return Effect("probe", f"looks up one named package ({shown}), not the installed-app list")
        return Effect("probe", "looks up one package whose name is not a constant, not the installed-app list")

    def _one_row(self, index: int, caller: str, invokes: list[InvokeFlow]) -> Effect | None:
        """Content queries whose selection (argument ``index``) is, at every invoke, only ever a constant picking one
        row by an identifying column (``_data=?``): lookups of one file the caller already knows, not the media
        library. None when anything else can reach one of them: null (every row), a computed or concatenated
        clause, an unknown value; or when the overload has no String there (``query(Uri, String[], Bundle, ...)``)."""
        flow = self._facts.code.flow(caller)
        if flow is None or not invokes:
            return None
        selections: set[str] = set()
        for inv in invokes:
            position = index if inv.kind == "static" else index - 1
            types = param_types(inv.callee)
            if index >= len(inv.args) or not 0 <= position < len(types) or types[position] != "Ljava/lang/String;":
                return None
            sources = self._sources(flow, inv.args[index], _SELECTION_DEPTH, _text)
            if not sources.constants or sources.own or sources.unknown or sources.passed_null:
                return None
            selections |= sources.constants
        if not all(_ONE_ROW.fullmatch(s) for s in selections):
            return None
        shown = ", ".join(sorted({"".join(s.split()) for s in selections}))
        return Effect("probe", f"looks up one known file (selection {shown}), not the media library")

    def _usage_list(self, method: str) -> bool | None:
        """Whether ``method`` walks the usage statistics (and no package list that needs no permission): None when
        it does not, else whether PACKAGE_USAGE_STATS can be held (without it the statistics come back empty)."""
        callees = self._methods.callees(method)
        named = any("queryUsageStats" in text for text in self._facts.code.strings.get(method, ()))  # by reflection
        if not (named or any(c.startswith(_USAGE_LISTS) for c in callees)) or \
                any(c.startswith(_OPEN_LISTS) for c in callees):
            return None
        return "android.permission.PACKAGE_USAGE_STATS" in self._declared

    def _package_fallback(self, caller: str) -> Effect:
        """No flow: the method's own calls and constants decide between own-app and probe."""
        named = [s for s in self._facts.code.strings.get(caller, ()) if _package_like(s) and not self._own(s)]
        if not named and any(self._own_source(c) for c in self._methods.callees(caller)):
            return Effect("own-app", "the calling method looks up getPackageName() (method-level evidence)")
        return Effect("probe", "looks up one package, not the installed-app list")

    def _intent_query(self, index: int, caller: str, inv: InvokeFlow) -> Effect:
        """Activities/services resolving an Intent: MAIN or LAUNCHER lists the apps, any other intent is a probe."""
        methods = [caller]
        if index < len(inv.args):
            for value in inv.args[index]:
                if value.kind == "param":
                    methods.extend(self._methods.callers(caller))
                elif value.kind == "result" and _return_type(value.ref) == "Landroid/content/Intent;":
                    methods.append(value.ref)
        return self._intent_effect(methods)

    def _resolves_one_intent(self, method: str) -> bool:
        """``method`` gets its list from resolving an intent that is not a MAIN/LAUNCHER one."""
        return (any(c.startswith(_INTENT_QUERIES) for c in self._methods.callees(method))
                and self._intent_effect([method]).name == "probe")

    def _intent_effect(self, methods: list[str]) -> Effect:
        """The app list when the methods that build the Intent name MAIN (not with HOME) or LAUNCHER, else a probe."""
        strings = [s for m in methods for s in self._facts.code.strings.get(m, ())]
        if _LAUNCHER in strings or (_MAIN in strings and _HOME not in strings):
            return _COLLECTION
        if _HOME in strings:
            return Effect("probe", "resolves the home-screen apps (MAIN/HOME), not the installed-app list")
        actions = sorted({s for s in strings if ".action." in s and _PACKAGE.match(s)})
        what = f"action {actions[0]}" if actions else "a specific intent"
        return Effect("probe", f"resolves {what}, not the installed-app list")

    def _own_process(self, caller: str) -> Effect | None:
        """The process or task list compared with the app's own pid or name: a foreground check; compared with one
        named package only: a probe; else None."""
        if _MY_PID in self._methods.callees(caller):
            return Effect("foreground-check", "compared with Process.myPid()")
        own, named = self._compares(caller)
        if own:
            return Effect("foreground-check", "compared with the app's own package or process name")
        if named:
            return Effect("probe", f"checks whether one named process runs ({', '.join(sorted(named)[:3])})")
        return None

    def _one_entry(self, caller: str) -> Effect | None:
        """A list searched for one package by a method that returns only whether or which entry it found."""
        if not self._answers_one(caller) or not any(c.startswith(_COMPARISONS) for c in self._methods.callees(caller)):
            return None
        if self._compares(caller)[0]:
            return Effect("own-app", "searches the list for the app's own entry and returns only that")
        return Effect("probe", "searches the list for one package and returns only that, not the list")

    def _answers_one(self, method: str) -> bool:
        """``method`` returns only whether or which entry it found (``_ONE_RESULT``) and builds no collection, so
        whatever it looks up does not leave it as a list."""
        return _return_type(method) in _ONE_RESULT and \
            not any(c.startswith(_BUILDERS) for c in self._methods.callees(method))

    def _proxy_choice(self, apns: tuple[str, ...], caller: str, callee: str) -> Effect | None:
        """A network read whose value (``callee``'s result, and every String the method derives from it) is only
        compared, to pick a carrier WAP proxy: compared with one of ``apns`` (case aside), or with strings the code
        hides (not constants) before it builds a proxy; never returned, stored, put in a collection or passed to
        anything but a test, a text builder or logcat. What the comparison decides may leave the method only as a
        proxy address or a yes/no: a method returning a number, or returning or storing any other string constant,
        may be handing on a code or a name for the APN (a network-type helper), and is left alone. None when the
        value may be kept or sent, or there is no flow."""
        flow = self._facts.code.flow(caller)
        if flow is None or _return_type(caller) in _NUMBERS:
            return None
        callees = self._methods.callees(caller)
        builds_proxy = any(c.startswith(_PROXIES) for c in callees)
        if not builds_proxy and not {s.lower() for s in self._facts.code.strings.get(caller, ())} & set(apns):
            return None  # neither a WAP APN nor a proxy: most network reads end here, before any argument is decoded
        use = _use(flow, Value("result", callee))
        if use is None or not use.compared:
            return None
        if not all(_PROXY_HOST.fullmatch(v.ref) for v in flow.returns | flow.stored if v.kind == "string"):
            return None
        if use.numbers and any(c.startswith(_NUMBER_OUTLETS) for c in callees):
            return None
        named = {v.ref.lower() for v in use.operands if v.kind == "string"}
        shown = [a for a in apns if a in named]
        if shown:
            return Effect("probe", f"reads the APN only to choose a carrier WAP proxy (compared with "
                                   f"{', '.join(shown)}); neither kept nor sent")
        if not named and builds_proxy:
            return Effect("probe", "reads the APN only to choose a proxy (compared with strings the code hides, "
                                   "then a proxy is built); neither kept nor sent")
        return None

    def _compares(self, caller: str) -> tuple[bool, set[str]]:
        """Whether ``caller`` compares a String with the app's own package or process name, and the other constant
        package names it compares with (method-level evidence when no flow can be decoded)."""
        flow = self._facts.code.flow(caller)
        if flow is None:
            callees = self._methods.callees(caller)
            return (any(c.startswith(_COMPARISONS) for c in callees)
                    and any(self._own_source(c) for c in callees)), set()
        named: set[str] = set()
        for inv in flow.invokes:
            if not inv.callee.startswith(_COMPARISONS):
                continue
            sources = [self._sources(flow, arg, _DEPTH) for arg in inv.args]
            if any(s.own for s in sources):
                return True, set()
            named.update(c for s in sources if not s.own and not s.unknown for c in s.constants)
        return False, named

    def _read(self, caller: str, callee: str, readers: tuple[str, ...]) -> bool:
        """``caller`` calls one of ``readers``, or returns what ``callee`` gave it and one of its callers does."""
        if any(c.startswith(readers) for c in self._methods.callees(caller)):
            return True
        if _return_type(caller) != _return_type(callee):
            return False
        return any(any(c.startswith(readers) for c in self._methods.callees(outer))
                   for outer in self._methods.callers(caller))

    # -- package-name sources ------------------------------------------------------------------------------

    def _own(self, name: str) -> bool:
        return name == self._package or name.startswith(self._package + ":")

    def _is_context(self, cls: str) -> bool:
        seen = 0
        current: str | None = cls
        while current is not None and seen < 32:
            if current in _CONTEXTS:
                return True
            current = self._supers.get(current)
            seen += 1
        return False

    def _own_source(self, method: str) -> bool:
        """A call that returns the app's own package or process name."""
        cls, _, name = method.partition("->")
        return (name in _OWN_NAMES and self._is_context(cls)) or method == _PROCESS_NAME

    def _package_name(self, text: str) -> _Sources:
        """A constant read as a package name: the app's own, another named one, or nothing."""
        if not _package_like(text):
            return _Sources()  # a log message left in a reused register, not a package name
        return _Sources(own=True) if self._own(text) else _Sources(constants={text})

    def _sources(self, flow: MethodFlow, values: frozenset[Value], depth: int,
                 constant: _Constant | None = None) -> _Sources:
        """Where the String values reaching an argument of ``flow``'s method come from; ``constant`` reads a
        constant string (by default as a package name)."""
        read = constant or self._package_name
        out = _Sources()
        for value in values:
            out.merge(self._source(flow, value, depth, read))
        return out

    def _source(self, flow: MethodFlow, value: Value, depth: int, constant: _Constant) -> _Sources:
        kind, ref = value.kind, value.ref
        if kind == "string":
            return constant(ref)
        if kind == "result":
            if _return_type(ref) not in _STRINGISH:
                return _Sources()
            if self._own_source(ref):
                return _Sources(own=True)
            if ref in _ITERATION:
                return _Sources(unknown={"a list element"}, walked={flow.method})
            inner = self._facts.code.flow(ref) if depth > 0 else None
            if inner is not None and inner.returns:
                return self._sources(inner, inner.returns, depth - 1, constant)
            return _Sources(unknown={f"result of {_short(ref)}"})
        if kind == "param":
            return self._parameter(flow, int(ref), depth, constant)
        if kind == "field":
            if not ref.endswith(":Ljava/lang/String;"):
                return _Sources()
            if "->APPLICATION_ID:" in ref:
                return _Sources(own=True)
            return _Sources(unknown={f"field {_short(ref.split(':', 1)[0] + '(')}"})
        if kind == "element" or (kind == "new" and ref == "Ljava/lang/String;"):
            return _Sources(unknown={"a computed value"})
        return _Sources()  # new objects, arrays, classes, exceptions: not a String

    def _parameter(self, flow: MethodFlow, number: int, depth: int, constant: _Constant) -> _Sources:
        """A parameter: what the direct callers pass at that position (``number`` counts ``this`` as 0)."""
        position = number if flow.static else number - 1
        types = param_types(flow.method)
        if position < 0 or position >= len(types) or types[position] not in _STRINGISH:
            return _Sources()
        out = _Sources()
        if depth > 0:
            for caller in self._methods.callers(flow.method):
                outer = self._facts.code.flow(caller)
                if outer is None:
                    continue
                for inv in outer.invokes:
                    if inv.callee == flow.method and number < len(inv.args):
                        out.merge(self._sources(outer, inv.args[number], depth - 1, constant)
                                  if inv.args[number] else _Sources(passed_null=True))
        return out if not out.empty else _Sources(unknown={f"parameter {position + 1} of {_short(flow.method)}"})

    # -- permissions ---------------------------------------------------------------------------------------

    def _permission(self, permissions: tuple[str, ...], caller: str) -> Effect:
        """Inert without any of the permissions declared; guarded when the method or all its callers check one."""
        declared = [p for p in permissions if p in self._declared]
        if not declared:
            names = " or ".join(p.rsplit(".", 1)[-1] for p in permissions)
            if any(p in _GRANTED_IN_SETTINGS for p in permissions):
                return Effect("inert", f"needs {names}, which the user grants in Settings; the app does not declare "
                                       "it or never opens that Settings screen")
            return Effect("inert", f"needs {names}, which the manifest does not declare")
        if self._checks(caller, permissions):
            return Effect("guarded", f"{_short(caller)} checks the permission first")
        callers = self._methods.callers(caller)
        if callers and all(self._checks(c, permissions) for c in callers):
            return Effect("guarded", f"every caller of {_short(caller)} checks the permission first")
        return _COLLECTION

    def _checks(self, method: str, permissions: tuple[str, ...]) -> bool:
        """``method`` calls a permission check and names one of ``permissions``."""
        if not any(any(k in c for k in _PERMISSION_CHECKS) for c in self._methods.callees(method)):
            return False
        strings = self._facts.code.strings.get(method, ())
        return any(p in strings for p in permissions)
