"""The notice of a reviewed scan: the store's review and decision joined to the scan's report.

The renderer (``appscan.report.notice``) reads values only; what a reviewer confirmed and decided comes from the store,
so this join lives with the service, which holds both.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from appscan.model import Finding, ScanResult
from appscan.report.notice import Notice
from appscan.store.review_records import ScanReview

__all__ = ["confirmed_findings", "reviewed_notice"]


def confirmed_findings(review: ScanReview, result: ScanResult, at: datetime | None = None) -> tuple[Finding, ...]:
    """The findings of the scan whose review in force at ``at`` (now) is "confirmed": what its notice lists."""
    when = at or datetime.now(timezone.utc)
    confirmed = {r.finding.id for r in review.findings
                 if r.review is not None and r.review.verdict == "confirmed" and r.review.in_force(when)}
    return tuple(f for f in result.findings if f.id in confirmed)


def reviewed_notice(review: ScanReview, result: ScanResult, issuer: str, deadline: date | None = None,
                    contact: str = "") -> Notice:
    """The notice of a reviewed scan (``result`` is its stored report): its confirmed findings and the decision that
    stands, signed by the reviewer who made it, numbered by scan and day. ``review.decision`` must be set."""
    decision = review.decision
    if decision is None:
        raise ValueError(f"scan {review.scan_id} has no decision: a notice states one")
    issued = decision.at.date()
    return Notice(result, confirmed_findings(review, result), decision.decision, issuer, decision.by, issued,
                  f"{review.scan_id}-{issued:%Y%m%d}", decision.comment, deadline, contact, review.scan_id)
