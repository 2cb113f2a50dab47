"""SDK package prefixes match on whole dotted segments and the longest prefix owns a class, so a prefix lying
inside another SDK's is only right when the inner SDK declares ``within`` the outer one."""

from __future__ import annotations

from appscan.rules.loader import load_rulesets


def _under(inner: str, outer: str) -> bool:
    """True when ``inner`` equals ``outer`` or lies below it on a segment boundary."""
    return inner == outer or inner.startswith(outer + ".")


def test_segment_matching() -> None:
    assert _under("com.dv.adm", "com.dv") and not _under("com.dvadm", "com.dv")
    assert not _under("com.bytedance.sdk.openadsdk", "com.bytedance.sdk.open")


def test_nested_prefixes_are_declared() -> None:
    sdks = load_rulesets().sdks
    undeclared = []
    for outer in sdks:
        for inner in sdks:
            if inner.id == outer.id:
                continue
            for p_in in inner.signals.packages:
                for p_out in outer.signals.packages:
                    if _under(p_in, p_out) and (p_in == p_out or inner.within != outer.id):
                        undeclared.append(f"{inner.id}:{p_in} inside {outer.id}:{p_out}")
    assert not undeclared, "prefixes nested without 'within':\n" + "\n".join(undeclared)


def test_no_prefix_repeats_within_an_sdk() -> None:
    for sdk in load_rulesets().sdks:
        prefixes = sdk.signals.packages
        assert len(prefixes) == len(set(prefixes)), sdk.id
