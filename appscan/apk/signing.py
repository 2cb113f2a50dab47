"""Signing facts: which schemes (v1/v2/v3) are present and the signer certificates.

androguard parses the APK Signing Block and the v1 PKCS#7 files. Its zip reader inflates entries without a
bound, so it is handed an adapter that reads through appscan's bounded ``ApkMember.read``.
"""

from __future__ import annotations

import re
import struct
from typing import Any

from androguard.core.apk import APK

from appscan.apk.archive import ApkMember, EntryError
from appscan.model import Certificate, Signing

__all__ = ["AOSP_TEST_KEYS", "read_signing"]

_MAX_SIGNATURE_FILE = 4 * 1024 * 1024


_MAX_V1_SIGNERS = 8
"""v1 signature blocks (``META-INF/*.RSA|DSA|EC``) read at most: real APKs have one to three, and each costs
androguard milliseconds of ASN.1 parsing (30,000 of them held a scan for two minutes)."""
_MAX_BLOCK_PAIRS = 256
"""ID-value pairs of the APK Signing Block looked at most: real blocks hold a handful (v2, v3, v3.1, padding,
source stamp); androguard walks every one."""
_SIGNER = re.compile(r"^META-INF/[^/]+\.(RSA|DSA|EC)$", re.IGNORECASE)


class _BoundedZip:
    """The subset of apkInspector's ``ZipEntry`` that androguard's signing code calls, over a bounded reader; only
    the first ``_MAX_V1_SIGNERS`` signature blocks are visible to it."""

    def __init__(self, member: ApkMember) -> None:
        self._member = member
        names = member.names()
        signers = [n for n in names if _SIGNER.match(n)]
        self.hidden = signers[_MAX_V1_SIGNERS:]
        hidden = set(self.hidden)
        self._names = [n for n in names if n not in hidden] if hidden else names

    def namelist(self) -> list[str]:
        return self._names

    def read(self, name: str) -> bytes:
        return self._member.read(name, _MAX_SIGNATURE_FILE)


_SHORT = {"common_name": "CN", "organizational_unit_name": "OU", "organization_name": "O", "locality_name": "L",
          "state_or_province_name": "ST", "country_name": "C", "email_address": "EMAILADDRESS",
          "street_address": "STREET", "serial_number": "SERIALNUMBER", "domain_component": "DC"}


AOSP_TEST_KEYS = {
    "a40da80a59d170caa950cf15c18c454d47a39b26989d8b640ecd745ba71bf5dc": "testkey",
    "c8a2e9bccf597c2fb6dc66bee293fc13f2fc47ec77bc6b2b0d52c11f51192ab8": "platform",
    "28bbfe4a7b97e74681dc55c2fbb6ccb8d6c74963733f6af6ae74d8c3a6e879fd": "shared",
    "465983f7791f2abeb43ea2cbdc7f21a8260b72bc08a55c839fc1a43bc741a81e": "media",
}
"""SHA-256 fingerprints of the certificates in AOSP's ``build/target/product/security`` (subject
``EMAILADDRESS=android@android.com, CN=Android, OU=Android, O=Android, L=Mountain View, ST=California, C=US``).
Their private keys are published next to them, so anyone can sign an update of an app signed with one; builds
are meant to be re-signed with release keys before they ship."""


def _dn(name: Any) -> str:
    """A distinguished name the way keytool and apksigner print it: ``CN=..., OU=..., O=..., C=...``."""
    parts = []
    for rdn in reversed(name.chosen):
        for attr in rdn:
            key = attr["type"].native
            parts.append(f"{_SHORT.get(key, key)}={attr['value'].native}")
    return ", ".join(parts)


def _certificate(cert: Any) -> Certificate:
    """Our value type from an asn1crypto certificate."""
    debug = cert.subject.native.get("common_name") == "Android Debug"
    fingerprint = cert.sha256.hex()
    return Certificate(_dn(cert.subject), _dn(cert.issuer), fingerprint, debug, AOSP_TEST_KEYS.get(fingerprint))


def _block_pairs(data: bytes) -> int | None:
    """How many ID-value pairs the APK Signing Block holds (counting stops past ``_MAX_BLOCK_PAIRS``); None when the
    file has no block. Read from the end-of-central-directory record, as Android finds it."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if eocd < 0 or eocd + 20 > len(data):
        return None
    (cd_offset,) = struct.unpack_from("<I", data, eocd + 16)
    if cd_offset < 24 or cd_offset > len(data) or data[cd_offset - 16:cd_offset] != b"APK Sig Block 42":
        return None
    (size,) = struct.unpack_from("<Q", data, cd_offset - 24)
    start = cd_offset - size - 8
    if size < 24 or start < 0:
        return None
    pos, end, pairs = start + 8, cd_offset - 24, 0
    while pos + 12 <= end and pairs <= _MAX_BLOCK_PAIRS:
        (length,) = struct.unpack_from("<Q", data, pos)
        if length < 4 or pos + 8 + length > end:
            break
        pos += 8 + length
        pairs += 1
    return pairs


def read_signing(member: ApkMember) -> tuple[Signing, list[str]]:
    """(signing facts, problems). Problems are one-line reasons a part of the signature could not be read."""
    problems: list[str] = []
    try:
        apk = APK(member.data, raw=True, skip_analysis=True)
    except Exception as exc:  # androguard reads the central directory again itself and raises bare errors on one
        # that the zip reader accepted (a length running past the end): the code is still analysed, unsigned
        return Signing((), ()), [f"signature not read: the zip's central directory is malformed ({exc})"]
    bounded = _BoundedZip(member)
    apk.zip = bounded
    if bounded.hidden:
        problems.append(f"{len(bounded.hidden) + _MAX_V1_SIGNERS} v1 signature blocks; only the first "
                        f"{_MAX_V1_SIGNERS} were read")
    pairs = _block_pairs(member.data)
    block_ok = pairs is None or pairs <= _MAX_BLOCK_PAIRS
    if not block_ok:
        problems.append(f"APK Signing Block with over {_MAX_BLOCK_PAIRS} entries: not read")
    schemes = []
    certs: dict[str, Certificate] = {}
    try:
        if apk.is_signed_v1():
            schemes.append("v1")
            for c in apk.get_certificates_v1():
                if c is not None:
                    certs.setdefault(c.sha256.hex(), _certificate(c))
    except (EntryError, ValueError, TypeError, KeyError) as exc:
        problems.append(f"v1 signature unreadable: {exc}")
    for scheme, present, getter in (("v2", apk.is_signed_v2, apk.get_certificates_v2),
                                    ("v3", apk.is_signed_v3, apk.get_certificates_v3)):
        if not block_ok:
            break
        try:
            if present():
                schemes.append(scheme)
                for c in getter():
                    certs.setdefault(c.sha256.hex(), _certificate(c))
        except Exception as exc:  # androguard raises bare exceptions on malformed signing blocks
            problems.append(f"{scheme} signature block unreadable: {exc}")
    ordered = tuple(sorted(certs.values(), key=lambda c: c.sha256))
    return Signing(tuple(schemes), ordered), problems
