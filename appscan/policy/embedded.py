"""Privacy policies an APK carries: its text files and long string resources that are policies, read as such.

An app shows its policy in the consent dialog, often from ``assets/privacy.html`` or a long string resource.
A candidate is a policy when it names itself one (a ``title`` cue: 隐私政策, privacy policy...) and declares a data
type or names an SDK; a licence or a help page that mentions privacy in passing is not one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from appscan.errors import InputError
from appscan.model import TextDocument
from appscan.policy.analyse import analyse_policy
from appscan.policy.document import PolicyDocument
from appscan.policy.terms import PolicyTerms

__all__ = ["EMBEDDED_PREFIX", "embedded_policies"]

EMBEDDED_PREFIX = "apk:"
"""``source`` of a policy found inside the APK: ``apk:assets/privacy.html``, ``apk:string``."""
MIN_STRING_POLICY = 300
"""A string resource shorter than this is a label or a dialog sentence, not a policy text."""
MAX_STRING_POLICIES = 8


def _candidates(documents: Iterable[TextDocument], strings: Iterable[str], titles: tuple[str, ...]
                ) -> Iterator[tuple[str, bytes]]:
    """(source, bytes) of every text that names itself a policy: documents first, then long strings."""
    lowered = tuple(t.lower() for t in titles)

    def titled(text: str) -> bool:
        low = text.lower()
        return any(t in low for t in lowered)

    for doc in documents:
        codecs = ("utf-16",) if doc.data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8", "gb18030")
        if any(titled(doc.data.decode(codec, "ignore")) for codec in codecs):
            yield f"{EMBEDDED_PREFIX}{doc.path}", doc.data
    long_strings = [s for s in strings if len(s) >= MIN_STRING_POLICY and titled(s)]
    for index, text in enumerate(sorted(long_strings, key=len, reverse=True)[:MAX_STRING_POLICIES], start=1):
        yield f"{EMBEDDED_PREFIX}string#{index}", text.encode("utf-8")


def embedded_policies(documents: Iterable[TextDocument], strings: Iterable[str], terms: PolicyTerms
                      ) -> tuple[PolicyDocument, ...]:
    """The policies among an APK's text documents and string resources (none when its texts hold none)."""
    out: dict[str, PolicyDocument] = {}
    for source, data in _candidates(documents, strings, terms.cue("title")):
        try:
            policy = analyse_policy(data, source, terms)
        except InputError:
            continue  # not readable as text after all
        if (policy.declared or policy.sdks) and policy.sha256 not in out:
            out[policy.sha256] = policy
    return tuple(out.values())
