"""Cross-scan questions on synthetic apps whose answers are known by construction."""

from __future__ import annotations

from appscan.model import ScanResult
from appscan.report.json_format import to_document
from appscan.store import (
    Store,
    apps_with_data_type,
    apps_with_sdk,
    diff_documents,
    diff_scans,
    history,
    save_scan,
)
from tests.store import factory


def store_all(store: Store, *results: ScanResult) -> list[int]:
    """Save each result; their scan ids."""
    return [save_scan(store, r, to_document(r)) for r in results]


def test_apps_with_sdk_from_first_version(store: Store) -> None:
    store_all(store,
              factory.result("com.a", 1), factory.result("com.a", 2, sdks=(factory.sdk("umeng"),)),
              factory.result("com.a", 3, sdks=(factory.sdk("umeng"), factory.sdk("jpush"))),
              factory.result("com.b", 10, sdks=(factory.sdk("jpush"),)))
    umeng = apps_with_sdk(store, "umeng")
    assert [(u.package, u.first_version_code, u.first_version_name, u.versions) for u in umeng] == [
        ("com.a", 2, "2.0", 2)]
    assert [(u.package, u.first_version_code) for u in apps_with_sdk(store, "jpush")] == [("com.a", 3),
                                                                                           ("com.b", 10)]
    assert apps_with_sdk(store, "absent") == []


def test_rescanned_version_counts_once(store: Store) -> None:
    old = factory.result("com.a", 1, calls=(factory.call("location", 1),))
    new = factory.result("com.a", 1, calls=(factory.call("location", 1), factory.call("location", 2)))
    store_all(store, old, new)  # same file (same sha256) scanned twice: the newest scan answers
    [use] = apps_with_data_type(store, "location")
    assert use.calls == 2


def test_apps_with_data_type_and_startup(store: Store) -> None:
    store_all(store,
              factory.result("com.early", 5, calls=(factory.call("installed_apps", 1, "umeng", startup=True),
                                                    factory.call("installed_apps", 2))),
              factory.result("com.gated", 1, calls=(factory.call("installed_apps", 1, startup=True,
                                                                 consent=True),)),
              factory.result("com.late", 2, calls=(factory.call("installed_apps", 1),
                                                   factory.call("location", 2, startup=True))))
    every = apps_with_data_type(store, "installed_apps")
    assert [(u.package, u.calls, u.startup_calls, u.sdks) for u in every] == [
        ("com.early", 2, 1, ("umeng",)), ("com.gated", 1, 0, ()), ("com.late", 1, 0, ())]
    startup = apps_with_data_type(store, "installed_apps", startup_only=True)
    assert [(u.package, u.calls, u.sdks) for u in startup] == [("com.early", 1, ("umeng",))]


def test_history_new_fixed_persisting(store: Store) -> None:
    f = factory.finding
    store_all(store,  # stored out of order: history follows version codes
              factory.result("com.h", 3, findings=(f("B"), f("D"))),
              factory.result("com.h", 1, findings=(f("A"), f("B"))),
              factory.result("com.h", 2, findings=(f("B"), f("C"))),
              factory.result("com.other", 1, findings=(f("A"),)))
    steps = history(store, "com.h")
    ids = [([r.id for r in s.new], [r.id for r in s.fixed], [r.id for r in s.persisting]) for s in steps]
    assert [s.version_code for s in steps] == [1, 2, 3]
    assert ids == [(["A", "B"], [], []), (["C"], ["A"], ["B"]), (["D"], ["C"], ["B"])]
    assert steps[1].fixed[0].title_en == "Title A"
    assert history(store, "com.missing") == []


def test_diff_of_stored_scans_equals_diff_of_documents(store: Store) -> None:
    old = factory.result("com.d", 1, sdks=(factory.sdk("umeng"),), calls=(factory.call("location", 1),),
                         findings=(factory.finding("A"),), permissions=("android.permission.CAMERA",))
    new = factory.result("com.d", 2, sdks=(factory.sdk("jpush"),),
                         calls=(factory.call("location", 1), factory.call("imei", 2)),
                         findings=(factory.finding("B"),),
                         permissions=("android.permission.CAMERA", "android.permission.READ_CONTACTS"))
    old_id, new_id = store_all(store, old, new)
    diff = diff_scans(store, old_id, new_id)
    assert diff == diff_documents(to_document(old), to_document(new))
    assert [p["name"] for p in diff["permissions"]["added"]] == ["android.permission.READ_CONTACTS"]
    assert diff["permissions"]["removed"] == []
    assert ([s["id"] for s in diff["sdks"]["added"]], [s["id"] for s in diff["sdks"]["removed"]]) == (
        ["jpush"], ["umeng"])
    assert [c["data_type"] for c in diff["api_calls"]["added"]] == ["imei"] and not diff["api_calls"]["removed"]
    assert ([f["id"] for f in diff["findings"]["added"]], [f["id"] for f in diff["findings"]["removed"]]) == (
        ["B"], ["A"])
    assert (diff["old"]["version_code"], diff["new"]["version_code"]) == (1, 2)
