"""Hand-labelled real-app claims stay judged right: labelled false positives stay gone, true claims stay reported.

The labels and what "still claimed" means are in ``tests/precision/evaluate.py``; docs/precision.md tells how they
were drawn and what the figures are. Every labelled false positive must be gone except those in ``STILL_WRONG``,
and every true claim must still be reported (at high severity on a definite path, or at a lower level where its
real path goes through a step the call graph cannot resolve) except those in ``LOST``; each with the reason the
scanner cannot do better yet. A fix that closes one makes its test fail until the entry is removed here, so the
lists only shrink. The precision floors: high findings keep issue 10's target (0.95); before-consent entries met
its 0.9 on the first two rounds' labels, but round 3 (drawn fresh from today's scanner) and the adjudication it
led to (seven YoudaoOCR and three MobTech labels of rounds 1-2 found wrong) put the honest figure at 0.734, so the
floor holds that figure (no regression) and docs/precision.md keeps the target and what stands in its way.
"""

from __future__ import annotations

from functools import cache

import pytest

from tests.conftest import corpus_path
from tests.precision.evaluate import Document, Label, claimed, load_labels, scan_documents, score

HIGH = load_labels("high")
BEFORE_CONSENT = load_labels("before-consent")
LABELS = HIGH + BEFORE_CONSENT

YOUDAO = ('the Youdao SDK\'s init() runs only when LanguageUtils.USER_PROFILE is not "oppo", the constant the field '
          "keeps (nothing writes it): a branch on a never-written static field is not evaluated")

STILL_WRONG: dict[str, str] = {
    "high_findings_d#2": "getRunningTasks(1) compared with the launcher's package: a foreground check against "
                         "another app's name, which the own-process condition does not cover",
    "before_consent#14": "Google Ads hashes the Android ID for a local test-device comparison: what happens to the "
                         "value after the call is beyond a call-site condition",
    "before_consent_c#19": "the branch needs ACCESS_COARSE_LOCATION, named by an XOR-obfuscated string",
    "before_consent_c#22": "the call sits in an onStartCommand branch for an intent extra only the crash handler "
                           "sends: intent extras are not followed",
    **{ref: YOUDAO for ref in ("high_findings_b#15", "high_findings_d#17", "before_consent#45", "before_consent_c#16",
                               "before_consent_c#17", "before_consent_c#18", "before_consent_e#11")},
    **{ref: "the MAC is looked up as a key of a name -> MAC map, always misses and is dropped: what happens to a "
            "value after the call is beyond a call-site condition"
       for ref in ("before_consent_b#1", "before_consent_c#1", "before_consent_d#4")},
    "high_findings_f#17": "recording starts only for an intent value the handler never sends, after Android's "
                          "screen-capture consent dialog: intent values and the system's dialog are not followed",
    "before_consent_d#13": "the branch needs ACCESS_COARSE_LOCATION, named by an XOR-obfuscated string",
    "before_consent_e#2": "startRecording is guarded by an isAudioRec flag no code sets: field values are not followed",
    "before_consent_e#3": "the Bluetooth address is only checked for null: uses after the call are not followed",
    "before_consent_e#8": "a game engine's accelerometer feeds only the game's input: uses after the call are not "
                          "followed",
    "before_consent_e#13": "runs only when the user's auto check-in setting is on: a preference the user sets is not "
                           "followed",
    "before_consent_e#15": "Build.SERIAL reads \"unknown\" for an app targeting API 26+ on Android 8+, and on older "
                           "devices this read follows a property lookup that already failed: OS-version-dependent "
                           "values are not modelled",
}
"""Labelled false positives still claimed, by label ref, with why."""

LOST: dict[str, str] = {
    "high_findings_a#41": "MobTech's SsClt$a runs from a collector list instantiated by reflection "
                          "(Class.newInstance over const-class names): no edge",
    "high_findings_b#32": "a browser list resolved from one VIEW intent with MATCH_ALL reads like an app chooser "
                          "probe: the flag is not read",
    "before_consent#19": "reflection is a behaviour now; the advertising-id read it performs is reported where "
                         "AdvertisingIdClient is called",
    "before_consent#36": "the second round labelled the same DeviceHelper interface walk as no IP collection "
                         "(the MAC of the chosen interface is what is returned); the two rounds disagree",
    "before_consent_c#6": "getConnectionInfo whose SSID is read in another method than the call: Wi-Fi needs the "
                          "SSID or BSSID read where the WifiInfo is obtained",
}
"""Labelled true claims no longer reported at any level, by label ref, with why."""


@cache
def documents() -> dict[str, Document]:
    return scan_documents({label.apk for label in LABELS}, corpus_path())


@pytest.mark.parametrize("label", [x for x in LABELS if not x.label], ids=lambda x: x.key)
def test_labelled_false_positive_is_gone(label: Label) -> None:
    gone = not claimed(label, documents()[label.apk])
    if label.ref in STILL_WRONG:
        assert not gone, f"{label.ref} is fixed: remove it from STILL_WRONG"
        pytest.xfail(STILL_WRONG[label.ref])
    assert gone, f"{label.fp_class}: {label.reason}"


@pytest.mark.parametrize("label", [x for x in LABELS if x.label], ids=lambda x: x.key)
def test_labelled_true_claim_is_still_reported(label: Label) -> None:
    kept = claimed(label, documents()[label.apk], strict=False)
    if label.ref in LOST:
        assert not kept, f"{label.ref} is reported again: remove it from LOST"
        pytest.xfail(LOST[label.ref])
    assert kept, label.reason


def test_known_gaps_name_real_labels() -> None:
    refs = {label.ref for label in LABELS}
    assert set(STILL_WRONG) <= refs and set(LOST) <= refs


def test_precision_does_not_fall_below_this_rounds_figures() -> None:
    high, early = score(HIGH, documents()), score(BEFORE_CONSENT, documents())
    assert high.precision >= 0.95, str(high)
    assert early.precision >= 0.73, str(early)  # target 0.9: see the module docstring
