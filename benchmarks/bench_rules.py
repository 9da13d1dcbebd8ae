"""CPU time of the rules alone (``run_checks``) on a loaded repository.

``python -m benchmarks.bench_rules REPO [--runs 5] [--as-of 2026-11-23] [--tracked] [--by-rule]
[--profile N]``
loads ``REPO`` once (no cache), then runs every rule over the whole workspace ``--runs``
times in this process, with the cyclic collector paused as ``sobctl validate`` does, and
prints the CPU time (user + sys) of each run, the median and the spread. Each run gets a
fresh workspace over the same loaded documents, so nothing a rule memoises on the workspace
carries over from one run to the next (a real run starts from a fresh load).

``--tracked`` runs under a dependency tracker (as the run that makes the incremental record
does); ``--by-rule`` also prints each rule's fastest CPU time (rules run in registry order,
sharing one run's memos, as in ``run_checks``); ``--profile N`` runs once more under cProfile
and prints the N costliest functions by own time. Make the national repository with
``python -m benchmarks.generate DIR`` (or use the one ``python -m benchmarks.bench`` leaves in
``$TMPDIR/sobctl-bench-30000``; clone it rather than change it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import time
from pathlib import Path

from sobctl.checks import run_checks
from sobctl.repo.workspace import Tracker, Workspace, load_workspace


def fresh(loaded: Workspace, tracked: bool) -> Workspace:
    """A workspace over the same documents, with no index or memo built yet."""
    workspace = Workspace(
        root=loaded.root, config=loaded.config, programs=loaded.programs, units=loaded.units,
        people=loaded.people, agreements=loaded.agreements, load_diagnostics=loaded.load_diagnostics,
        files=loaded.files,
    )
    return workspace.tracked(Tracker()) if tracked else workspace


def by_rule(loaded: Workspace, today: dt.date, runs: int, tracked: bool) -> None:
    """Each rule's fastest CPU time over ``runs`` runs of all of them, in registry order."""
    import sobctl.checks as checks

    run_checks(fresh(loaded, False), today)  # imports every rule module, so the registry is complete
    fastest: dict[str, float] = {}
    for _run in range(runs):
        workspace = fresh(loaded, tracked)
        workspace.forget()
        context = checks.Context(workspace, today)
        for check in checks.REGISTRY:
            started = time.process_time()
            for _item in check(context):
                pass
            if workspace.tracker is not None:
                workspace.tracker.end()
            spent = time.process_time() - started
            fastest[check.__name__] = min(spent, fastest.get(check.__name__, spent))
    for name, spent in fastest.items():
        print(f"  {name:<28} {spent:.3f} s")
    print(f"  {'(sum)':<28} {sum(fastest.values()):.3f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_rules", description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path, help="a repository (e.g. made by benchmarks.generate)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--as-of", default="2026-11-23", help="the day the rules judge (default 2026-11-23)")
    parser.add_argument("--tracked", action="store_true", help="run under a dependency tracker")
    parser.add_argument("--by-rule", action="store_true", help="also time each rule (fastest of the runs)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="then profile one run, top N by own time")
    args = parser.parse_args(argv)
    today = dt.date.fromisoformat(args.as_of)
    gc.disable()
    started = time.process_time()
    loaded = load_workspace(args.repo.resolve(), known={}, keep=None)
    print(f"loaded {loaded.files} files in {time.process_time() - started:.2f} s CPU")
    times: list[float] = []
    count = 0
    for _run in range(args.runs):
        workspace = fresh(loaded, args.tracked)
        started = time.process_time()
        count = len(run_checks(workspace, today))
        times.append(time.process_time() - started)
        del workspace
    label = "tracked " if args.tracked else ""
    print(f"{label}rules: median {statistics.median(times):.3f} s CPU "
          f"(fastest {min(times):.3f}, slowest {max(times):.3f}, {len(times)} runs), {count} findings")
    print("runs: " + ", ".join(f"{t:.3f}" for t in times))
    if args.by_rule:
        by_rule(loaded, today, args.runs, args.tracked)
    if args.profile:
        import cProfile
        import pstats

        workspace = fresh(loaded, args.tracked)
        profiler = cProfile.Profile()
        profiler.runcall(run_checks, workspace, today)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
