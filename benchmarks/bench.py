"""Time sobctl as whole processes on a generated national repository.

    python -m benchmarks.bench [--units 30000] [--runs 5] [--dir DIR] [--skip-reference]

Generates the repository once (``benchmarks.generate``, reused on later runs from DIR,
default ``$TMPDIR/sobctl-bench-UNITS``), then runs each command ``--runs`` times and prints a
markdown table with the median, the fastest and slowest run and the peak resident memory
of each (from ``wait4``: the process and the workers it waited for), the bar it must meet,
and the ratios that matter. Commands a branch does not have (``log``, ``diff``) are
reported as skipped. Not part of CI: it takes minutes and needs ~400 MB of disk.

check-jsonschema (``pip install -e '.[bench]'``) against the exported JSON Schemas, on the
same files, is the reference: what a general-purpose validator costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.generate import AS_OF, generate

BIN = Path(sys.executable).parent
SOBCTL = str(BIN / "sobctl")
GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}


@dataclass
class Row:
    name: str
    bar: float | None = None
    times: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    fills: list[float] = field(default_factory=list)  # the parse cache filled after each run (seconds)
    note: str = ""
    failed: str = ""

    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None


def run(args: list[str], cwd: Path, *, env: dict[str, str] | None = None, head: int | None = None,
        ok: tuple[int, ...] = (0, 1)) -> tuple[float, int, int]:
    """Run one process; (wall seconds, peak RSS in KB, exit code). ``head``: stop reading after
    that many lines of stdout (the time to a first page), then close the pipe."""
    # Byte-compiled sources, as an installed package has them (any value of this variable keeps
    # Python from writing them).
    full_env = {key: value for key, value in {**os.environ, **(env or {})}.items() if key != "PYTHONDONTWRITEBYTECODE"}
    # Peak RSS through /usr/bin/time: a child forked straight from this (large) process would
    # report this process's high-water mark, not its own.
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        wrapper = ["/usr/bin/time", "-f", "%M", "-o", report.name] if Path("/usr/bin/time").exists() else []
        start = time.perf_counter()
        process = subprocess.Popen([*wrapper, *args], cwd=cwd, env=full_env,
                                   stdout=subprocess.PIPE if head else subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if head and process.stdout is not None:
            for _ in range(head):
                if not process.stdout.readline():
                    break
            elapsed = time.perf_counter() - start
            process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if not head:
            elapsed = time.perf_counter() - start
        lines = [line for line in report.read().splitlines() if line.strip().isdigit()]
        rss = int(lines[-1]) if wrapper and lines else int(usage.ru_maxrss)
    FILLS.append(wait_for_fill(cwd))
    return elapsed, rss, process.returncode


#: For each process run, how long its detached filling of the parse cache went on after it ended.
FILLS: list[float] = []


def wait_for_fill(root: Path) -> float:
    """Wait until no detached process fills ``root``'s parse cache or makes its dependency
    record (a cold validation leaves both to one, after its answer): every timed run starts on
    a quiet machine, and what the filling takes is reported on its own. Seconds waited."""
    from sobctl.repo.cache import FILLING, RECORDING
    from sobctl.repo.files import wait_for_lock

    started = time.perf_counter()
    locks = [root / ".git" / "sobctl-cache" / name for name in (FILLING, RECORDING)]
    if all(wait_for_lock(lock, 0) for lock in locks):
        return 0.0  # nothing was being filled
    for lock in locks:  # the parse cache, then the dependency record
        wait_for_lock(lock, 600)
    return time.perf_counter() - started


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def measure(row: Row, runs: int, command: list[str], cwd: Path, *, before: Callable[[], None] | None = None,
            after: Callable[[], None] | None = None, head: int | None = None, ok: tuple[int, ...] = (0, 1)) -> None:
    for _ in range(runs):
        if before:
            before()
        elapsed, rss, code = run(command, cwd, head=head)
        row.fills.append(FILLS[-1])
        if after:
            after()
        if code not in ok and not head:
            row.failed = f"exit {code}"
            return
        row.times.append(elapsed)
        row.rss_kb.append(rss)


def has_command(name: str) -> bool:
    return subprocess.run([SOBCTL, name, "--help"], capture_output=True, check=False).returncode == 0


def help_text(name: str) -> str:
    return subprocess.run([SOBCTL, name, "--help"], capture_output=True, text=True, check=False).stdout


def touch_units(root: Path, count: int, salt: int) -> list[str]:
    """Change ``count`` unit files the way an editor would (a renamed unit), keeping them valid."""
    files = sorted((root / "units").glob("*-E*.yaml"))[:: max(1, 30000 // (count * 4))][:count]
    for path in files:
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^name: (.*)$", rf"name: \1 (ny {salt})", text, count=1), encoding="utf-8")
    return [f.relative_to(root).as_posix() for f in files]


def assign_cases(root: Path, count: int) -> tuple[list[list[str]], str]:
    """Up to ``count`` valid ``sobctl assign`` commands on different units (an active region care
    unit, a published program it lacks, its approver), and the e-mail of the administrator who
    may run them."""
    import yaml_rs

    published = []
    for path in sorted((root / "catalogue").glob("*.yaml")):
        data = yaml_rs.loads(path.read_text(encoding="utf-8"))
        if data.get("status") == "published":
            published.append(data["id"])
        if len(published) > 50:
            break
    admin = yaml_rs.loads((root / "roles" / "SE2321000016-P00001.yaml").read_text(encoding="utf-8"))
    cases: list[list[str]] = []
    for path in sorted((root / "units").glob("*-E*.yaml"))[100:]:
        if len(cases) >= count:
            break
        data = yaml_rs.loads(path.read_text(encoding="utf-8"))
        if data.get("status") == "active" and data.get("programs") and data.get("type") == "care-unit":
            running = {a["program"] for a in data["programs"]}
            program = next((p for p in published if p not in running), None)
            if program is None:
                continue
            approver = data["programs"][0]["approved_by"]
            cases.append([SOBCTL, "assign", program, data["hsa_id"], "--approved-by", approver, "--reason",
                          "Benchmark", "--decision", "RS 2026/0001", "--as-of", AS_OF.isoformat()])
    return cases, admin["emails"][0]


def assign_case(root: Path) -> tuple[list[str], str] | None:
    """A valid ``sobctl assign``: an active region care unit, a published program it lacks, its approver."""
    cases, email = assign_cases(root, 1)
    return (cases[0], email) if cases else None


def measure_successive(row: Row, commands: list[list[str]], cwd: Path) -> None:
    """Run ``commands`` one after another without resetting in between: each act starts from the
    verdict the previous one left, as an administrator's acts do."""
    for command in commands:
        elapsed, rss, code = run(command, cwd)
        if code != 0:
            row.failed = f"exit {code}"
            return
        row.times.append(elapsed)
        row.rss_kb.append(rss)


def make_history(root: Path, acts: int) -> Path:
    """A repository whose history holds ``acts`` act commits with trailers (git fast-import)."""
    target = root.parent / f"{root.name}-history-{acts}"
    if (target / ".git").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(root, target, symlinks=True)
    head = git(target, "rev-parse", "HEAD").strip()
    lines: list[bytes] = []
    start = int(dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp())
    units = sorted(p.name for p in (target / "units").glob("*-E*.yaml"))[:2000]
    for n in range(acts):
        unit = units[n % len(units)].removesuffix(".yaml")
        day = dt.date(2025, 1, 1) + dt.timedelta(days=n // 300)
        message = (f"Assign program-{n % 1000:04d} to {unit}\n\nReason: Beslut i nämnden.\n\n"
                   f"Sob-Action: assign\nSob-Actor: SE2321000016-P00001\nSob-Date: {day.isoformat()}\n"
                   f"Sob-Unit: {unit}\nSob-Program: program-{n % 1000:04d}\nSob-Decision: RS 2025/{n % 9999:04d}\n")
        body = message.encode()
        content = f"# act {n}\n".encode()
        lines.append(b"commit refs/heads/main\n")
        lines.append(f"committer Anna <anna@example.invalid> {start + n * 60} +0100\n".encode())
        lines.append(b"data %d\n" % len(body) + body)
        if n == 0:
            lines.append(f"from {head}\n".encode())
        lines.append(b"M 100644 inline history.txt\n" + b"data %d\n" % len(content) + content + b"\n")
    subprocess.run(["git", "-C", str(target), "fast-import", "--quiet", "--force"], input=b"".join(lines),
                   check=True)
    git(target, "reset", "-q", "--hard", "main")
    return target


def fmt(value: float | None) -> str:
    return "—" if value is None else (f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s")


def table(rows: list[Row]) -> str:
    out = ["| command | median | fastest | slowest | runs | peak RSS | bar | met |",
           "|---|---:|---:|---:|---:|---:|---:|:---:|"]
    for row in rows:
        if row.failed or not row.times:
            out.append(f"| {row.name} | {row.failed or row.note or 'skipped'} | | | | | "
                       f"{fmt(row.bar) if row.bar else ''} | |")
            continue
        median = row.median()
        met = "" if row.bar is None else ("yes" if median is not None and median <= row.bar else "**no**")
        out.append(
            f"| {row.name} | {fmt(median)} | {fmt(min(row.times))} | {fmt(max(row.times))} | {len(row.times)} | "
            f"{max(row.rss_kb) / 1024:.0f} MB | {fmt(row.bar) if row.bar else ''} | {met} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--skip-reference", action="store_true", help="do not run check-jsonschema")
    parser.add_argument("--acts", type=int, default=100_000, help="acts in the history for log")
    parser.add_argument("--only", default="", metavar="GROUPS",
                        help="comma-separated: help, validate, assign, log, diff, reference (default: all)")
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()}

    def want(group: str) -> bool:
        return not only or group in only
    scale = args.units / 30_000
    root = args.dir or Path(tempfile.gettempdir()) / f"sobctl-bench-{args.units}"
    if not (root / "expected-diagnostics.json").is_file():
        shutil.rmtree(root, ignore_errors=True)
        sys.stderr.write(f"generating {args.units} units in {root} …\n")
        generate(root, units=args.units, programs=max(12, int(1000 * scale)), people=max(60, int(10_000 * scale)),
                 activations=int(150_000 * scale))
    git(root, "reset", "-q", "--hard")
    git(root, "clean", "-qfdx", "-e", "expected-diagnostics.json")
    cache = root / ".git" / "sobctl-cache"
    validate = [SOBCTL, "validate", "--as-of", AS_OF.isoformat()]
    # Timing a repository with findings would time locating them: refuse a stale generated one.
    check = subprocess.run([*validate, "--format", "json"], cwd=root, capture_output=True, text=True, check=False)
    errors = json.loads(check.stdout)["summary"]["errors"] if check.stdout.startswith("{") else -1
    if errors != 0:
        sys.stderr.write(f"{root} does not validate cleanly ({errors} errors; made by an older generator?): "
                         "remove it and run again\n")
        return 2
    runs = args.runs
    rows: list[Row] = []
    load_before = os.getloadavg()

    if want("help"):
        row = Row("`sobctl --help`", bar=0.100)
        measure(row, runs, [SOBCTL, "--help"], root)
        rows.append(row)

    if want("validate"):
        row = Row("`sobctl validate` cold (no cache)", bar=2.0)
        measure(row, runs, validate, root, before=lambda: shutil.rmtree(cache, ignore_errors=True))
        rows.append(row)

        row = Row("`sobctl validate` warm (nothing changed)", bar=0.300)
        run(validate, root)
        measure(row, runs, validate, root)
        rows.append(row)

        row = Row("`sobctl validate` after 50 files changed", bar=0.500)
        salt = iter(range(1, 1000))

        def change_fifty() -> None:
            git(root, "checkout", "-q", "--", "units")
            run(validate, root)  # the cache holds the committed tree
            touch_units(root, 50, next(salt))

        measure(row, runs, validate, root, before=change_fifty)
        git(root, "checkout", "-q", "--", "units")
        rows.append(row)

        # The first run that finds the tree changed after a cold one: the cold run left the
        # dependency record (made after its answer, which `run` waits for).
        row = Row("`sobctl validate` after 50 files changed, first after a cold run")

        def cold_then_fifty() -> None:
            git(root, "checkout", "-q", "--", "units")
            shutil.rmtree(cache, ignore_errors=True)
            run(validate, root)
            touch_units(root, 50, next(salt))

        measure(row, max(1, runs // 2), validate, root, before=cold_then_fifty)
        git(root, "checkout", "-q", "--", "units")
        rows.append(row)

        # A run that finds no dependency record (another day's, or one lost) makes one from the
        # parse cache, judging everything once.
        row = Row("`sobctl validate` after 50 files changed, with no dependency record (makes one)")

        def change_fifty_without_record() -> None:
            change_fifty()
            (cache / "record").unlink(missing_ok=True)

        measure(row, max(1, runs // 2), validate, root, before=change_fifty_without_record)
        git(root, "checkout", "-q", "--", "units")
        rows.append(row)

        row = Row("`sobctl validate --no-cache`")
        measure(row, max(1, runs // 2), [*validate, "--no-cache"], root)
        rows.append(row)

    if want("assign"):
        row = Row("`sobctl assign` (one act, on a copy)", bar=0.250)
        successive = Row("`sobctl assign` (successive acts)", bar=0.250)
        cases, email = assign_cases(root, runs + 1)
        if not cases:
            row.note = successive.note = "no assignable unit found"
        else:
            copy = root.parent / f"{root.name}-assign"
            if not (copy / ".git").exists():
                shutil.rmtree(copy, ignore_errors=True)
                subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(root), str(copy)], check=True)
            git(copy, "config", "user.email", email)
            git(copy, "config", "user.name", "Bench Admin")
            base = git(root, "rev-parse", "HEAD").strip()
            git(copy, "reset", "-q", "--hard", base)
            shutil.rmtree(copy / ".git" / "sobctl-cache", ignore_errors=True)
            run(validate, copy)
            # The first act after a cold validate (which left the dependency record after its answer).
            first = Row("`sobctl assign` first act after a cold validate")
            measure(first, 1, cases[0], copy, after=lambda: git(copy, "reset", "-q", "--hard", base), ok=(0,))
            measure(row, runs, cases[0], copy, after=lambda: git(copy, "reset", "-q", "--hard", base), ok=(0,))
            rows.append(first)
            # An administrator's acts follow one another: each starts from the verdict the last one left.
            # One untimed act first leaves the verdict of a tree that HEAD matches (the reset above did not).
            if len(cases) > 1:
                measure_successive(Row("untimed"), cases[:1], copy)
                measure_successive(successive, cases[1:], copy)
            else:
                successive.note = "only one assignable unit found"
            git(copy, "reset", "-q", "--hard", base)
        rows.append(row)
        rows.append(successive)

    if want("log"):
        log_first = Row(f"`sobctl log` first page ({args.acts:,} acts)")
        log_all = Row(f"`sobctl log` full export ({args.acts:,} acts)")
        if has_command("log"):
            history = make_history(root, args.acts)
            measure(log_first, runs, [SOBCTL, "log", "-n", "50"], history, ok=(0,))
            export = [SOBCTL, "log", "--format", "json"] if "--format" in help_text("log") else [SOBCTL, "log"]
            measure(log_all, runs, export, history, ok=(0,))
        else:
            log_first.note = log_all.note = "TODO: no `log` command on this branch"
        rows += [log_first, log_all]

    if want("diff"):
        # As the generated CI workflows run it: after validate, whose parse cache spares diff
        # reading and parsing the documents it holds; and in a clone that never validated.
        row = Row("`sobctl diff` over a 500-file change (after validate, as CI runs it)")
        bare = Row("`sobctl diff` over a 500-file change, no parse cache")
        if has_command("diff"):
            diff_repo = root.parent / f"{root.name}-diff"
            if not (diff_repo / ".git").exists():
                shutil.rmtree(diff_repo, ignore_errors=True)
                subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(root), str(diff_repo)], check=True)
                touch_units(diff_repo, 500, 1)
                git(diff_repo, "commit", "-qam", "Rename 500 units")
            diff_cache = diff_repo / ".git" / "sobctl-cache"
            shutil.rmtree(diff_cache, ignore_errors=True)
            measure(bare, max(1, runs // 2), [SOBCTL, "diff", "HEAD~1..HEAD"], diff_repo, ok=(0,))
            run(validate, diff_repo)
            measure(row, runs, [SOBCTL, "diff", "HEAD~1..HEAD"], diff_repo, ok=(0,))
        else:
            row.note = bare.note = "TODO: no `diff` command on this branch"
        rows += [row, bare]

    if want("reference"):
        reference = Row("check-jsonschema (reference), same files")
        checker = BIN / "check-jsonschema"
        if args.skip_reference:
            reference.note = "skipped (--skip-reference)"
        elif not checker.exists():
            reference.note = "not installed: pip install -e '.[bench]'"
        else:
            subprocess.run([SOBCTL, "schema", "export", "--repo", str(root)], capture_output=True, check=False)
            script = " && ".join(
                f"{checker} --schemafile schemas/{schema}.schema.json {folder}/*.yaml > /dev/null"
                for folder, schema in (("units", "unit"), ("roles", "person"), ("catalogue", "program"),
                                       ("agreements", "agreement"))
            )
            measure(reference, 1 if args.units >= 10_000 else min(runs, 2), ["sh", "-c", f"{script}; true"], root)
        rows.append(reference)
    git(root, "reset", "-q", "--hard")

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"sobctl benchmark — {args.units:,} units, {runs} runs per command, {dt.date.today()}")
    print(f"machine: {cores} cores usable ({os.cpu_count()} online), {platform.machine()}, "
          f"Python {platform.python_version()}, load average before {load_before[0]:.1f}, "
          f"after {os.getloadavg()[0]:.1f}\n")
    print(table(rows))
    for row in rows:
        if row.times and row.fills and statistics.median(row.fills) > 0:
            print(f"\n{row.name}: after each answer a detached process filled the parse cache and made the "
                  f"dependency record for another {fmt(statistics.median(row.fills))} (median; not part of the "
                  "times above).")
    by_name = {r.name: r.median() for r in rows}
    cold = by_name.get("`sobctl validate` cold (no cache)")
    warm = by_name.get("`sobctl validate` warm (nothing changed)")
    ref = by_name.get("check-jsonschema (reference), same files")
    print()
    if cold and warm:
        print(f"- cold / warm: {cold / warm:.1f}×")
    if cold and ref:
        print(f"- check-jsonschema / sobctl cold: {ref / cold:.1f}× (check-jsonschema validates the schema only, "
              "no cross-file rules)")
    if warm and ref:
        print(f"- check-jsonschema / sobctl warm: {ref / warm:.0f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
