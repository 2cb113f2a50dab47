"""Write zip archives that do not depend on the machine or the time of the build.

Shared by ``build.py`` (the sample APKs) and ``bad_inputs.py`` (the broken inputs derived from them), so every
archive in ``samples/`` is reproducible byte for byte.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

# Any fixed date works; the zip format cannot store anything before 1980.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)

Entries = dict[str, tuple[bytes, int]]
"""Zip entry name -> (data, compression method: zipfile.ZIP_STORED or ZIP_DEFLATED)."""


def fixed_info(name: str, compress_type: int) -> zipfile.ZipInfo:
    """A zip entry header with a fixed date, Unix origin and 0644 mode."""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = compress_type
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


def write_zip(path: Path, entries: Entries) -> None:
    """Write entries with AndroidManifest.xml first (as aapt2 does) and the rest in name order."""
    with zipfile.ZipFile(path, "w") as zf:
        for name in sorted(entries, key=lambda n: (n != "AndroidManifest.xml", n)):
            data, compress_type = entries[name]
            zf.writestr(fixed_info(name, compress_type), data, compresslevel=9)
