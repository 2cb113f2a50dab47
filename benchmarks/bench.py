"""Time and peak memory of an appscan scan against androguard's ``AnalyzeAPK`` on the same APKs.

Each measurement runs in a fresh child process that does only that job, so its peak RSS (``VmHWM`` read at the
end of the child) is clean: no cache, no earlier APK, no other tool in the same heap. Imports happen before the
clock starts on both sides; the interpreter and its imports are in both peaks alike.

Usage: ``python benchmarks/bench.py [APK ...] [--json PATH]`` (default: corpus APKs larger than 2 MB).
Targets (issue 2): median time ratio <= 0.2, median memory ratio <= 0.3, and no APK of more than 10k methods
above 0.5 on either.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT / ".." / "shared" / "corpus" / "apks"
DEFAULT_MIN_BYTES = 2 * 1024 * 1024
TOOLS = ("appscan", "androguard")
LARGE_APP_METHODS = 10_000
TARGETS = {"median_time": 0.2, "median_memory": 0.3, "large_app_max": 0.5}


@dataclass(frozen=True)
class Measure:
    """One tool on one APK."""

    wall_s: float
    peak_rss_mb: float
    methods: int | None


@dataclass(frozen=True)
class Row:
    """Both tools on one APK, and appscan's share of androguard's cost."""

    apk: str
    size_mb: float
    methods: int | None
    appscan: Measure
    androguard: Measure

    @property
    def time_ratio(self) -> float:
        return self.appscan.wall_s / self.androguard.wall_s

    @property
    def memory_ratio(self) -> float:
        return self.appscan.peak_rss_mb / self.androguard.peak_rss_mb


def _peak_rss_mb() -> float:
    """This process's high-water resident set size (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def _child(tool: str, apk: Path) -> None:
    """Do one job and print its measure as JSON (runs in the fresh child process)."""
    from loguru import logger

    logger.disable("androguard")
    if tool == "appscan":
        from appscan.scan import scan_file

        start = time.perf_counter()
        result = scan_file(apk)
        wall = time.perf_counter() - start
        methods = sum(d.methods for d in result.facts.code.dex)
    else:
        from androguard.misc import AnalyzeAPK

        start = time.perf_counter()
        _, dexes, _ = AnalyzeAPK(str(apk))
        wall = time.perf_counter() - start
        methods = sum(len(list(d.get_encoded_methods())) for d in dexes)
    print(json.dumps(asdict(Measure(round(wall, 3), round(_peak_rss_mb(), 1), methods))))


def measure(tool: str, apk: Path, timeout: float) -> Measure:
    """Run one job in a fresh interpreter and read back its measure."""
    out = subprocess.run([sys.executable, __file__, "--child", tool, str(apk)], capture_output=True, text=True,
                         timeout=timeout, check=True, cwd=REPO_ROOT)
    return Measure(**json.loads(out.stdout.strip().splitlines()[-1]))


def summarise(rows: list[Row]) -> dict[str, float | bool | None]:
    """Median ratios, the worst ratio among large apps, and whether the targets are met."""
    large = [r for r in rows if (r.methods or 0) > LARGE_APP_METHODS]
    summary: dict[str, float | bool | None] = {
        "median_time_ratio": round(statistics.median(r.time_ratio for r in rows), 3),
        "median_memory_ratio": round(statistics.median(r.memory_ratio for r in rows), 3),
        "large_app_max_time_ratio": round(max(r.time_ratio for r in large), 3) if large else None,
        "large_app_max_memory_ratio": round(max(r.memory_ratio for r in large), 3) if large else None,
    }
    summary["targets_met"] = (
        summary["median_time_ratio"] <= TARGETS["median_time"]
        and summary["median_memory_ratio"] <= TARGETS["median_memory"]
        and all(max(r.time_ratio, r.memory_ratio) <= TARGETS["large_app_max"] for r in large))
    return summary


def table(rows: list[Row], summary: dict[str, float | bool | None]) -> str:
    """The plain-text report."""
    head = (f"{'APK':<58} {'MB':>5} {'methods':>8} {'appscan s':>9} {'andro s':>8} {'t ratio':>7} "
            f"{'appscan MB':>10} {'andro MB':>8} {'m ratio':>7}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.apk[:58]:<58} {r.size_mb:>5.1f} {r.methods or 0:>8} {r.appscan.wall_s:>9.2f} "
                     f"{r.androguard.wall_s:>8.2f} {r.time_ratio:>7.3f} {r.appscan.peak_rss_mb:>10.0f} "
                     f"{r.androguard.peak_rss_mb:>8.0f} {r.memory_ratio:>7.3f}")
    lines.append("")
    lines.extend(f"{k}: {v}" for k, v in summary.items())
    return "\n".join(lines)


def default_apks() -> list[Path]:
    """Corpus APKs larger than 2 MB, smallest first."""
    folder = DEFAULT_CORPUS.resolve()
    if not folder.is_dir():
        raise SystemExit(f"{folder} not found: pass APK paths explicitly")
    return sorted((p for p in folder.glob("*.apk") if p.stat().st_size > DEFAULT_MIN_BYTES),
                  key=lambda p: p.stat().st_size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("apks", nargs="*", type=Path, help="APK files (default: corpus APKs over 2 MB)")
    parser.add_argument("--json", type=Path, help="also write rows and summary as JSON here")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed for one job")
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "APK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return 0
    rows = []
    for apk in args.apks or default_apks():
        measures = {tool: measure(tool, apk, args.timeout) for tool in TOOLS}
        row = Row(apk.name, round(apk.stat().st_size / 2**20, 1), measures["appscan"].methods, **measures)
        rows.append(row)
        print(f"{row.apk}: time ratio {row.time_ratio:.3f}, memory ratio {row.memory_ratio:.3f}", file=sys.stderr)
    summary = summarise(rows)
    print(table(rows, summary))
    if args.json:
        doc = {"rows": [{**asdict(r), "time_ratio": round(r.time_ratio, 4), "memory_ratio": round(r.memory_ratio, 4)}
                        for r in rows], "summary": summary}
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
