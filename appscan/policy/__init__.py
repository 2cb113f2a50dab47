"""Privacy-policy analysis (facts level): a policy file in, its declarations out, judged against nothing.

``analyse_policy(data, source, terms)`` reads one policy (HTML, Markdown, plain text or PDF) and returns a
``PolicyDocument``: the data types it declares and denies with their sentences, purposes and conditions, the
third-party SDKs it names, and its required sections. The vocabulary comes in as a ``PolicyTerms`` value that the
ruleset loader builds from ``rulesets/policy_terms.yaml`` and the SDK catalogue; nothing here imports the rules,
the store or the reports.
"""

from __future__ import annotations

from appscan.policy.analyse import analyse_policy
from appscan.policy.document import Declaration, Denial, PolicyDocument, SdkMention, Sections
from appscan.policy.embedded import EMBEDDED_PREFIX, embedded_policies
from appscan.policy.extract import MAX_BYTES
from appscan.policy.files import analyse_file
from appscan.policy.terms import PolicyTerms, normalise_sdk_name

__all__ = ["EMBEDDED_PREFIX", "MAX_BYTES", "Declaration", "Denial", "PolicyDocument", "PolicyTerms", "SdkMention",
           "Sections", "analyse_file", "analyse_policy", "embedded_policies", "normalise_sdk_name"]
