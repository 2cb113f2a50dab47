"""Build small ``ApkFacts`` by hand: a few classes, call sites and manifest components, everything else empty.

The call graph reads only the classes, call sites, const-strings, components, meta-data and the Application and
launcher names, so these facts hold exactly the shape of app the test describes and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from appscan.model import (
    ApkFacts,
    AppInfo,
    CallSite,
    ClassDef,
    CodeFacts,
    Component,
    IntentFilter,
    Manifest,
    MetaData,
    Queries,
    Resources,
    Signing,
)

OBJECT = "Ljava/lang/Object;"


def klass(name: str, *subs: str, superclass: str = OBJECT, interfaces: tuple[str, ...] = (),
          dex: str = "classes.dex") -> ClassDef:
    """A class defining the methods given as ``name(Args)Ret`` (``klass("LA;", "run()V")``)."""
    return ClassDef(name, superclass, interfaces, 1, dex, tuple(f"{name}->{s}" for s in subs))


def component(type_: str, name: str, actions: tuple[str, ...] = ()) -> Component:
    """An enabled manifest component, with one intent filter when actions are given."""
    filters = (IntentFilter(actions, (), (), None),) if actions else ()
    return Component(type_, name, bool(actions), None, filters, False, (), None, None, True)


def call(caller: str, callee: str, kind: str | None = None) -> CallSite:
    """A call site; the kind defaults to direct for constructors and virtual otherwise."""
    return CallSite(caller, callee, kind or ("direct" if "-><init>(" in callee else "virtual"))


def apk(classes: Iterable[ClassDef], calls: Iterable[CallSite], *, strings: Mapping[str, tuple[str, ...]] = {},
        components: Iterable[Component] = (), application: str | None = None, launcher: str | None = None,
        meta_data: Iterable[MetaData] = ()) -> ApkFacts:
    """Facts of an app made of these classes and calls (Java names for ``application`` and ``launcher``)."""
    info = AppInfo("com.example", 1, "1", 21, 33, None, None, None, "0" * 64, 0, application, launcher, False,
                   False, None, None)
    code = CodeFacts((), tuple(classes), tuple(calls), dict(strings), ())
    return ApkFacts("test.apk", (), info, Signing((), ()),
                    Manifest((), (), tuple(components), tuple(meta_data), Queries()), (), code,
                    Resources((), (), (), (), (), (), (), (), ()), ())
