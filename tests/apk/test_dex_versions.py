"""The dex pass's version constants: static String values of version-named fields (and of BuildConfig classes).

They are read from the class_def's static_values array, which the rest of the pass never touches; androguard's
own decoding of those arrays is the oracle on corpus APKs, and a damaged array must cost only its own values.
"""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from androguard.core.dex import DEX
from loguru import logger

from appscan.apk.dex import DexTables, parse_dex
from tests.conftest import REPO_ROOT, corpus_path

logger.disable("androguard")

_STRING_VALUE = 0x17
_CORPUS = ("github__MobPush-10704.apk", "github__ShopSDK-1.1.0.apk", "exodus-core__instapaper.apk")


def _says_version(name: str) -> bool:
    return "ersion" in name or "ERSION" in name


def _reference(data: bytes) -> dict[str, str]:
    """androguard's static String values of the fields appscan keeps: a version-named field, or any field of a
    class whose simple name says version or is BuildConfig."""
    out = {}
    for cls in DEX(data).get_classes():
        simple = cls.get_name().rpartition("/")[2]
        whole = simple == "BuildConfig;" or _says_version(simple)
        for field in cls.get_fields():
            value = field.get_init_value()
            if value is None or value.get_value_type() != _STRING_VALUE:
                continue
            if whole or _says_version(field.get_name()):
                out[f"{cls.get_name()}->{field.get_name()}:{field.get_descriptor()}"] = value.get_value()
    return out


@pytest.mark.corpus
@pytest.mark.parametrize("name", _CORPUS)
def test_version_constants_match_androguard(name: str) -> None:
    with zipfile.ZipFile(corpus_path() / name) as apk:
        for entry in (n for n in apk.namelist() if n.startswith("classes") and n.endswith(".dex")):
            data = apk.read(entry)
            assert parse_dex(data).version_constants == _reference(data), entry


def _sample_dex() -> bytes:
    with zipfile.ZipFile(REPO_ROOT / "samples" / "plugins.apk") as apk:
        return apk.read("classes.dex")


def test_buildconfig_and_version_getter_constants_of_the_sample() -> None:
    code = parse_dex(_sample_dex())
    assert code.version_constants == {
        "Lcom/example/plugins/BuildConfig;->APPLICATION_ID:Ljava/lang/String;": "com.example.plugins",
        "Lcom/example/plugins/BuildConfig;->VERSION_NAME:Ljava/lang/String;": "2.0.1",
    }


def test_a_damaged_static_values_array_loses_only_its_values() -> None:
    data = bytearray(_sample_dex())
    tables = DexTables(bytes(data))
    for c in range(tables.class_size):
        off = tables.class_off + 32 * c
        if tables.type(struct.unpack_from("<I", data, off)[0]) == "Lcom/example/plugins/BuildConfig;":
            struct.pack_into("<I", data, off + 28, len(data) + 4096)  # static_values_off past the end
    damaged = parse_dex(bytes(data))
    intact = parse_dex(_sample_dex())
    assert damaged.version_constants == {}
    assert [c.name for c in damaged.classes] == [c.name for c in intact.classes]
    assert damaged.call_sites == intact.call_sites and damaged.strings == intact.strings


def test_plugin_dex_constants_are_read_too() -> None:
    with zipfile.ZipFile(REPO_ROOT / "samples" / "plugins.apk") as apk:
        jar = zipfile.ZipFile(io.BytesIO(apk.read("assets/UPPayPluginEx.apk")))
    assert parse_dex(jar.read("classes.dex")).version_constants == {
        "Lcom/unionpay/uppay/BuildConfig;->APPLICATION_ID:Ljava/lang/String;": "com.unionpay.uppay",
        "Lcom/unionpay/uppay/BuildConfig;->VERSION_NAME:Ljava/lang/String;": "3.4.8",
    }
