"""Lay out APK entries as an Android App Bundle (``.aab``), the way bundletool's ``build-bundle`` does.

Shared by ``build.py`` (the committed ``.aab`` samples) and the tests that turn every sample APK into a bundle with
``aapt2 convert --output-format proto``: each module's manifest, resource table and XML files must already be in
aapt2's protocol-buffer format; this only moves entries to their module folders.
"""

from __future__ import annotations

import re
import zipfile

from reprozip import Entries

BUNDLE_CONFIG = b""
"""``BundleConfig.pb``: an empty message (every field optional) is a valid configuration."""


_SIGNATURE_FILES = re.compile(r"^META-INF/([^/]+\.(SF|RSA|DSA|EC)|MANIFEST\.MF)$", re.IGNORECASE)


def module_path(name: str) -> str | None:
    """Where an APK entry goes inside its module folder; None for the APK's own signature files (other
    ``META-INF/`` files, such as libraries' ``.version`` files, are kept in ``root/`` as bundletool keeps them)."""
    if _SIGNATURE_FILES.match(name):
        return None
    if name == "AndroidManifest.xml":
        return "manifest/AndroidManifest.xml"
    if name == "resources.pb" or name.startswith(("res/", "assets/", "lib/")):
        return name
    if "/" not in name and name.startswith("classes") and name.endswith(".dex"):
        return f"dex/{name}"
    return f"root/{name}"


def bundle_entries(modules: dict[str, Entries]) -> Entries:
    """The entries of an ``.aab`` holding ``modules`` (module name -> its APK entries in proto format)."""
    out: Entries = {"BundleConfig.pb": (BUNDLE_CONFIG, zipfile.ZIP_DEFLATED)}
    for module, entries in modules.items():
        for name, value in entries.items():
            path = module_path(name)
            if path is not None:
                out[f"{module}/{path}"] = value
    return out
