"""A readable terminal summary of one scan (the default output of ``appscan scan``)."""

from __future__ import annotations

from collections import Counter

from appscan.model import OWNER_KINDS, ScanResult
from appscan.report.i18n import t
from appscan.report.views import GAPS, build_view, default_ruleset, policy_gaps, result_verdict
from appscan.rules.catalog import Ruleset
from appscan.rules.verdict import top_findings
from appscan.text import printable

__all__ = ["render_text"]

UNIDENTIFIED_SHOWN = 5
"""Unidentified code groups named on the summary line (largest first); the JSON lists them all."""


def _policy_lines(result: ScanResult, ruleset: Ruleset | None) -> list[str]:
    """The policies read and how many differences of each kind they have with the code (the HTML report's
    side-by-side table in numbers)."""
    if not result.policies:
        return []
    view = build_view(result, ruleset or default_ruleset())
    lines = [f"  privacy policies ({len(result.policies)}): " + "; ".join(
        f"{p.source} [{p.language} {p.format}, updated {p.sections.updated or 'not stated'}]" for p in result.policies)]
    gaps = policy_gaps(view)
    lines.append("    policy vs code: " + "; ".join(f"{t('en', 'gap.' + kind)}: {gaps[kind]}" for kind in GAPS))
    if view.policy_missing:
        lines.append("    sections missing: " + ", ".join(t("en", f"section_name.{s}") for s in view.policy_missing))
    return lines


def render_text(result: ScanResult, ruleset: Ruleset | None = None) -> str:
    """A dozen lines a person reads at a glance; the JSON has the rest. ``ruleset`` (the bundled one when None)
    supplies the policy vocabulary the policy summary compares with."""
    f = result.facts
    a = f.app
    lines = [f"{f.source}: {a.package} {a.version_name or '?'} (versionCode {a.version_code}), "
             f"minSdk {a.min_sdk}, targetSdk {a.target_sdk}",
             f"  label: {a.label}   sha256: {a.sha256}   size: {a.size} bytes"]
    certs = "; ".join(c.subject + (" [debug]" if c.debug else "") for c in f.signing.certificates) or "none"
    lines.append(f"  signing: {' '.join(f.signing.schemes) or 'unsigned'} - {certs}")
    perms = f.manifest.permissions
    dangerous = sorted({p.name.rsplit('.', 1)[-1] for p in perms if "dangerous" in p.protection_level})
    lines.append(f"  permissions: {len(perms)} declared, {len(dangerous)} dangerous"
                 + (f": {', '.join(dangerous)}" if dangerous else ""))
    kinds = Counter(c.type for c in f.manifest.components)
    exported = sum(1 for c in f.manifest.components if c.exported)
    lines.append("  components: " + (", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none")
                 + f" ({exported} exported)")
    flags = [name for name, on in (("debuggable", a.debuggable), ("allowBackup", a.allow_backup),
                                   ("usesCleartextTraffic", a.uses_cleartext_traffic)) if on]
    lines.append(f"  application: {a.application_class or '-'}; flags: {', '.join(flags) or 'none'}"
                 + ("; network security config " + a.network_security_config.path
                    if a.network_security_config else ""))
    c = f.code
    lines.append(f"  code: {len(c.dex)} dex, {sum(d.classes for d in c.dex)} classes, "
                 f"{sum(d.methods for d in c.dex)} methods, {sum(d.call_sites for d in c.dex)} call sites")
    if f.native_libs:
        lines.append("  native libs: " + ", ".join(f"{n.abi}/{n.name}" for n in f.native_libs))
    r = f.resources
    lines.append(f"  resources: {len(r.assets)} assets, {len(r.nested)} nested files, "
                 f"{len(r.urls)} URLs, {len(r.domains)} domains, {len(r.ips)} IPs")
    if result.sdks:
        lines.append(f"  SDKs ({len(result.sdks)}): " + ", ".join(f"{d.name}{' ' + d.version if d.version else ''} "
                                                             f"[{d.evidence_level}]"
                                                             for d in result.sdks))
    if result.unidentified:
        shown = result.unidentified[:UNIDENTIFIED_SHOWN]
        lines.append(f"  unidentified third-party code ({len(result.unidentified)}): " + ", ".join(
            f"{u.package or '(default package)'} [{u.classes} classes"
            + (f", {u.vendor_guess}?" if u.vendor_guess else "") + "]" for u in shown)
            + (", ..." if len(result.unidentified) > len(shown) else ""))
    collecting = [c for c in result.api_calls if c.collects]
    if collecting:
        types = Counter(c.data_type for c in collecting)
        owners = Counter(c.owner_kind for c in collecting)
        lines.append(f"  data-collection calls: {len(collecting)} ("
                     + ", ".join(f"{t} {n}" for t, n in sorted(types.items())) + ")")
        lines.append("    by owner: " + ", ".join(f"{k} {owners[k]}" for k in OWNER_KINDS if owners[k]))
    if len(collecting) < len(result.api_calls):
        effects = Counter(c.effect for c in result.api_calls if not c.collects)
        lines.append(f"  other catalogue calls: {len(result.api_calls) - len(collecting)} ("
                     + ", ".join(f"{e} {n}" for e, n in sorted(effects.items())) + ")")
    lines += _policy_lines(result, ruleset)
    severities = Counter(x.severity for x in result.findings)
    lines.append(f"  findings: {len(result.findings)}" + (" (" + ", ".join(
        f"{severities[s]} {s}" for s in ("high", "medium", "low", "info") if severities[s]) + ")"
        if result.findings else ""))
    verdict = result_verdict(result)
    lines.append(f"  verdict: {verdict.label.en} [{verdict.rule}]: {verdict.reason.en}")
    if verdict.unanalysed:
        lines.append(f"    code not analysed: {', '.join(verdict.unanalysed)}")
    top = top_findings(result.findings)
    if top:
        lines.append(f"  top {len(top)} findings:")
    for finding in top:
        lines.append(f"    [{finding.severity} {finding.rule}] {finding.title.en}  ({', '.join(finding.clauses[:4])})")
    if len(result.findings) > len(top):
        lines.append(f"    ... {len(result.findings) - len(top)} more: every finding is in the report "
                     f"(appscan report {f.source} --format html) and the JSON (--format json)")
    for item in f.incomplete:
        lines.append(f"  incomplete: {item.item}: {item.reason}")
    lines.append(f"  {'stored scan reused (--force scans again); it took' if result.reused else 'scanned in'} "
                 f"{result.duration_s:.2f} s")
    return "\n".join(map(printable, lines)) + "\n"  # the APK's strings, never control codes
