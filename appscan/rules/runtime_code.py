"""Code loaded at run time: plug-ins the app carries in its assets (a jar, dex or APK an SDK opens with a
DexClassLoader, such as Tencent GDT's ``assets/gdt_plugin/gdtadv2.jar``).

Extraction reads their dex files like the APK's own (``DexInfo.container`` names the asset), so SDK detection
already sees their classes by package. This module adds what only the container tells:

- each call made by plug-in code carries the asset in ``ApiCall.runtime_loaded``: a reviewer must know the code is
  not in the installed dex, and a store's dynamic test sees it only once the SDK unpacks or downloads it;
- plug-in code no catalogue prefix names (plug-ins are often obfuscated into short packages) belongs to the SDK
  whose asset signal matches the container, not to "unidentified" code: the plug-in is that SDK's;
- each SDK detection with plug-in classes gets one ``plugin`` evidence item per container.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from appscan.model import ApiCall, ApkFacts, Evidence, SdkDetection
from appscan.rules.catalog import Sdk
from appscan.rules.sdk_match import Attribution

__all__ = ["PluginCode", "mark_runtime_loaded"]


def _asset_owner(container: str, sdks: Iterable[Sdk]) -> str | None:
    """The SDK whose asset patterns match the plug-in's path (``gdt_plugin/*``), None when none or several do."""
    path = container.rpartition("!")[2]  # a split's asset is named "split.apk!assets/..."
    relative = path.removeprefix("assets/")
    owners = {s.id for s in sdks
              if any(fnmatch.fnmatchcase(path, p) or fnmatch.fnmatchcase(relative, p) for p in s.signals.assets)}
    return owners.pop() if len(owners) == 1 else None


class PluginCode:
    """The plug-in classes of one app: the asset each is loaded from and the SDK each belongs to."""

    def __init__(self, facts: ApkFacts, catalogue: Iterable[Sdk], attribution: Attribution) -> None:
        dex_container = {d.name: d.container for d in facts.code.dex if d.container is not None}
        self.containers: dict[str, str] = {c.name: dex_container[c.dex] for c in facts.code.classes
                                           if c.dex in dex_container}
        """Class descriptor -> the plug-in asset it is loaded from."""
        catalogue = tuple(catalogue) if self.containers else ()
        asset_owner = {c: _asset_owner(c, catalogue) for c in set(self.containers.values())}
        self.sdks: dict[str, str] = {}
        """Class descriptor -> the SDK a plug-in class belongs to: its package's, else (code no catalogue entry
        names) its container's."""
        self.by_container: dict[str, str] = {}
        """The part of ``sdks`` decided by the container alone."""
        for cls, container in self.containers.items():
            owner = attribution.owner(cls)
            if owner.kind == "sdk" and owner.id is not None:
                self.sdks[cls] = owner.id
            elif owner.kind == "unidentified" and asset_owner[container] is not None:
                self.sdks[cls] = self.by_container[cls] = asset_owner[container]


def mark_runtime_loaded(facts: ApkFacts, catalogue: Iterable[Sdk], attribution: Attribution,
                        detections: tuple[SdkDetection, ...], calls: tuple[ApiCall, ...]
                        ) -> tuple[tuple[SdkDetection, ...], tuple[ApiCall, ...]]:
    """The detections and calls with the plug-in facts added (see the module doc); unchanged without plug-ins."""
    plugins = PluginCode(facts, catalogue, attribution)
    if not plugins.containers:
        return detections, calls
    marked = []
    for call in calls:
        cls = call.caller.partition("->")[0]
        container = plugins.containers.get(cls)
        if container is None:
            marked.append(call)
            continue
        sdk = plugins.by_container.get(cls)
        if sdk is not None:
            call = replace(call, sdk=sdk, owner_kind="sdk", owner=sdk)
        marked.append(replace(call, runtime_loaded=container))
    per_sdk = Counter((sdk, plugins.containers[cls]) for cls, sdk in plugins.sdks.items())
    out = []
    for det in detections:
        extra = tuple(Evidence("plugin", container, f"{n} classes loaded at run time")
                      for (sdk, container), n in sorted(per_sdk.items()) if sdk == det.id)
        out.append(replace(det, evidence=det.evidence + extra) if extra else det)
    return tuple(out), tuple(marked)
