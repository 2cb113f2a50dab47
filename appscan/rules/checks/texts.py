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
from appscan.rules.verdict import unanalysed_code

_INTERNET = "android.permission.INTERNET"


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
    """The app's code collects personal data beyond the low tier (network state, crash logs); or it can go online
    and either embeds an SDK whose catalogue entry says it collects such data (an SDK may collect in ways no call
    site shows: reflection, native code, a server-side configuration) or has code that could not be read (packed,
    an unreadable dex: what it does is unknown). Without the INTERNET permission, an SDK whose code makes no such
    call, or code the scan cannot read, cannot send what it would collect."""
    def personal(data_type: str) -> bool:
        return tier_of(ctx.ruleset.data_type(data_type)) not in (None, "low")

    if any(c.collects and personal(c.data_type) for c in ctx.api_calls):
        return True
    if not any(p.name == _INTERNET for p in ctx.facts.manifest.permissions):
        return False
    catalogue = ctx.ruleset.of_kind("sdk")
    return bool(unanalysed_code(ctx.facts, ctx.sdks)) or any(
        personal(t) for s in ctx.sdks if s.id in catalogue for t in catalogue[s.id].data_collected)


@check("no-account-deletion")
def no_account_deletion(ctx: Context) -> Iterator[Hit]:
    """No account-deletion wording (a person should confirm)."""
    yield from _absent(ctx, "no-deletion", manual=True, section="account_deletion")


@check("no-complaint-channel")
def no_complaint_channel(ctx: Context) -> Iterator[Hit]:
    """No complaint/report wording (a person should confirm)."""
    yield from _absent(ctx, "no-complaint", manual=True, section="complaint_channel")
