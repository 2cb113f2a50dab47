"""Checks on the app's texts: a privacy policy, an account-deletion entry and a complaint channel.

The keywords are the rule's ``params.keywords``. They are looked for in resource strings of every locale,
layout texts, code string constants and asset file names. Absence of a deletion or complaint entry can only be
suspected statically (the entry may be a web page), so those findings ask for a manual check.
"""

from __future__ import annotations

from collections.abc import Iterator

from appscan.model import Evidence
from appscan.rules.checks.policy_gap import section_absent, section_present
from appscan.rules.engine import Context, Hit, check
from appscan.rules.severity import tier_of

_SENDING = frozenset({"android.permission.INTERNET", "android.permission.SEND_SMS"})
"""Permissions through which an app itself can send what it collects off the device."""


def _texts(ctx: Context) -> Iterator[str]:
    """Every text a keyword may appear in."""
    res = ctx.facts.resources
    yield from res.strings
    yield from res.layout_texts
    yield from res.assets
    for consts in ctx.facts.code.strings.values():
        yield from consts


def _found(ctx: Context) -> bool:
    """True when one of the rule's keywords occurs in any text (case-insensitive; one joined text, one pass)."""
    assert ctx.rule is not None
    blob = "\n".join(_texts(ctx)).lower()
    return any(k.lower() in blob for k in ctx.rule.params.get("keywords", ()))


def _absent(ctx: Context, subject: str, manual: bool, severity: str | None = None, section: str | None = None
            ) -> Iterator[Hit]:
    """One hit when none of the rule's keywords is found anywhere, nor does a policy read for the scan have the
    ``section``; the policies read are named in the evidence, since the app may hold the entry in them."""
    if _found(ctx) or (section is not None and section_present(ctx, section) is not None):
        return
    assert ctx.rule is not None
    searched = ", ".join(ctx.rule.params.get("keywords", ())[:6])
    policies = section_absent(ctx, section) if section else ()
    yield Hit(subject, (Evidence("string", f"none of: {searched}", "strings, layouts, code, asset names"),
                        *policies), manual_check=manual, severity=severity)


@check("no-privacy-policy")
def no_privacy_policy(ctx: Context) -> Iterator[Hit]:
    """No privacy-policy wording anywhere in the app. The rule's severity holds for an app that processes personal
    data (``_processes_personal_data``); one that does not (a calculator, a test harness, a watch-face sample) still
    needs a policy to be listed in the stores, but nothing it does is undisclosed: low."""
    if ctx.policies:  # a policy was given with the scan or found in the APK's own files
        return
    yield from _absent(ctx, "no-policy", manual=False, severity=None if _processes_personal_data(ctx) else "low")


def _processes_personal_data(ctx: Context) -> bool:
    """Whether the app processes personal data a policy must disclose, from the collecting calls, the permissions
    and the SDKs:

    * sensitive data (location, contacts, SMS, camera, photos...) collected by any code, a library's included;
    * data beyond the low tier (identifiers, ordinary data; not network state or crash logs) collected by the app's
      own code, an SDK or unidentified code, in an app that can send data off the device (INTERNET, SEND_SMS). A
      library's identifier or ordinary read is infrastructure (Netty's MAC for channel ids, a game engine's
      accelerometer for input), and an app that cannot send keeps such data on the device (an app picker over the
      installed apps);
    * in an app that can send: an SDK whose catalogue entry says it collects such data (an SDK may collect in
      ways no call site shows: reflection, native code, a server-side configuration), or a packer (the real code
      is hidden).
    """
    online = any(p.name in _SENDING for p in ctx.facts.manifest.permissions)
    for call in ctx.api_calls:
        tier = tier_of(ctx.ruleset.data_type(call.data_type)) if call.collects else None
        if tier == "sensitive" or (online and tier not in (None, "low") and call.owner_kind != "library"):
            return True
    if not online:
        return False
    catalogue = ctx.ruleset.of_kind("sdk")
    return any(s.category == "packer" or (s.id in catalogue and any(
        tier_of(ctx.ruleset.data_type(t)) not in (None, "low") for t in catalogue[s.id].data_collected))
        for s in ctx.sdks)


@check("no-account-deletion")
def no_account_deletion(ctx: Context) -> Iterator[Hit]:
    """No account-deletion wording (a person should confirm)."""
    yield from _absent(ctx, "no-deletion", manual=True, section="account_deletion")


@check("no-complaint-channel")
def no_complaint_channel(ctx: Context) -> Iterator[Hit]:
    """No complaint/report wording (a person should confirm)."""
    yield from _absent(ctx, "no-complaint", manual=True, section="complaint_channel")
