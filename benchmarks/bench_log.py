"""Benchmark of ``sobctl log`` on a generated history of many acts.

``python -m benchmarks.bench_log [--acts 100000] [--runs 7] [--keep DIR]`` builds a region
repository whose history holds ``--acts`` sobctl acts (with the trailers sobctl writes, each
touching one small YAML file) plus a sprinkling of manual edits and non-content commits, all
in one ``git fast-import`` stream, then times whole ``sobctl log`` processes:

* the first page: ``sobctl log -n 50`` (target ≤ 300 ms),
* the full export: ``sobctl log --format json > /dev/null`` (target ≤ 3 s),
* a filtered query: ``sobctl log --unit U --format json`` (no target; for information).

Each figure is the median of the runs with the spread (min–max) beside it.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PROVIDER = "SE2321000016-0000"
START = 1_577_836_800  # 2020-01-01T00:00:00Z
STEP = 600  # ten minutes between acts
FIRST_PAGE_TARGET = 0.300
EXPORT_TARGET = 3.0


def unit_id(i: int) -> str:
    return f"SE2321000016-U{i:04d}"


def person_id(i: int) -> str:
    return f"SE2321000016-P{i:04d}"


def program_id(i: int) -> str:
    return f"program-{i:02d}"


def _unit_yaml(uid: str, status: str, programs: list[tuple[str, int]]) -> bytes:
    lines = [f"hsa_id: {uid}", f"name: Enhet {uid[-4:]}", "type: care-unit", f"parent: {PROVIDER}",
             f"status: {status}", "programs:" if programs else "programs: []"]
    for program, major in programs:
        lines += [f"  - program: {program}", f"    major: {major}"]
    return ("\n".join(lines) + "\n").encode()


def _person_yaml(pid: str, grants: list[tuple[str, str]]) -> bytes:
    lines = [f"hsa_id: {pid}", f"name: Person {pid[-4:]}", "emails:", f"  - {pid.lower()}@exempelland.se",
             "grants:" if grants else "grants: []"]
    for role, scope in grants:
        lines += [f"  - role: {role}", f"    scope: {scope}"]
    return ("\n".join(lines) + "\n").encode()


def _program_yaml(prog: str) -> bytes:
    return f"id: {prog}\ntitle: Program {prog}\nstatus: published\nversion: \"1.0\"\n".encode()


def _data(payload: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(payload), payload)


def _message(subject: str, reason: str, trailers: list[tuple[str, str]]) -> bytes:
    body = f"{subject}\n\nReason: {reason}\n\n" + "".join(f"{k}: {v}\n" for k, v in trailers if v)
    return body.encode()


def fast_import_stream(acts: int, units: int = 300, people: int = 150, programs: int = 40,
                       seed: int = 7) -> Iterator[bytes]:
    """The whole history as a ``git fast-import`` stream, in pieces of about a thousand commits."""
    rng = random.Random(seed)
    unit_state: dict[str, tuple[str, list[tuple[str, int]]]] = {unit_id(i): ("active", []) for i in range(units)}
    person_grants: dict[str, list[tuple[str, str]]] = {person_id(i): [] for i in range(people)}
    admins = [person_id(i) for i in range(1, 6)]
    out: list[bytes] = []
    when = START

    def header(name: str, email: str, message: bytes) -> None:
        out.append(b"commit refs/heads/main\n")
        ident = f"{name} <{email}> {when} +0100\n".encode()
        out.append(b"author " + ident + b"committer " + ident)
        out.append(_data(message))

    header("Setup", "setup@exempelland.se", b"Region repository\n")
    files = {"sobctl.yaml": f"care_provider:\n  name: Region Exempelland\n  hsa_id: {PROVIDER}\n".encode(),
             "README.md": b"Region Exempelland\n"}
    files.update({f"units/{u}.yaml": _unit_yaml(u, s, p) for u, (s, p) in unit_state.items()})
    files.update({f"roles/{p}.yaml": _person_yaml(p, g) for p, g in person_grants.items()})
    files.update({f"catalogue/{program_id(i)}.yaml": _program_yaml(program_id(i)) for i in range(programs)})
    for path, payload in files.items():
        out.append(f"M 100644 inline {path}\n".encode())
        out.append(_data(payload))
    roles = ("behandlare", "behorighetsadministrator", "medicinskt-ansvarig", "invanaradministrator")
    for n in range(acts):
        if len(out) > 8000:
            yield b"".join(out)
            out.clear()
        when += STEP
        actor = rng.choice(admins)
        decision = f"RS {2020 + n // 20000}/{n % 9973:04d}"
        kind = rng.random()
        if kind < 0.01:  # a hand edit of a unit file, no trailers
            uid = unit_id(rng.randrange(units))
            status, progs = unit_state[uid]
            header("Erik Hand", "erik.hand@exempelland.se", f"Fix typo in {uid}\n\nEdited by hand.\n".encode())
            payload = _unit_yaml(uid, status, progs) + f"# note {n}\n".encode()
            out.append(f"M 100644 inline units/{uid}.yaml\n".encode())
            out.append(_data(payload))
            continue
        if kind < 0.015:  # not content: documentation only
            header("Erik Hand", "erik.hand@exempelland.se", f"Update README ({n})\n".encode())
            out.append(b"M 100644 inline README.md\n")
            out.append(_data(f"Region Exempelland, revision {n}\n".encode()))
            continue
        if kind < 0.6:
            uid = unit_id(rng.randrange(units))
            status, progs = unit_state[uid]
            prog = program_id(rng.randrange(programs))
            present = [p for p, _ in progs]
            if prog in present:
                progs = [(p, m) for p, m in progs if p != prog]
                action, subject = "unassign", f"unassign {prog} from {uid}"
                trailers = [("Sob-Action", "unassign"), ("Sob-Actor", actor), ("Sob-Unit", uid),
                            ("Sob-Program", prog)]
            else:
                progs = [*progs, (prog, 1)]
                approver = person_id(rng.randrange(6, people))
                action, subject = "assign", f"assign {prog} to {uid}"
                trailers = [("Sob-Action", "assign"), ("Sob-Actor", actor), ("Sob-Unit", uid), ("Sob-Program", prog),
                            ("Sob-Version", "1"), ("Sob-Approved-By", approver)]
            unit_state[uid] = (status, progs)
            trailers += [("Sob-Date", time.strftime("%Y-%m-%d", time.gmtime(when))), ("Sob-Decision", decision)]
            path, payload = f"units/{uid}.yaml", _unit_yaml(uid, status, progs)
        elif kind < 0.75:
            uid = unit_id(rng.randrange(units))
            status, progs = unit_state[uid]
            new = "inactive" if status == "active" else "active"
            action = "unit-deactivate" if new == "inactive" else "unit-activate"
            unit_state[uid] = (new, progs)
            subject = f"{'deactivate' if new == 'inactive' else 'activate'} unit {uid}"
            trailers = [("Sob-Action", action), ("Sob-Actor", actor), ("Sob-Unit", uid),
                        ("Sob-Date", time.strftime("%Y-%m-%d", time.gmtime(when))), ("Sob-Decision", decision)]
            path, payload = f"units/{uid}.yaml", _unit_yaml(uid, new, progs)
        else:
            pid = person_id(rng.randrange(6, people))
            grants = person_grants[pid]
            if grants and rng.random() < 0.4:
                role, scope = grants.pop(rng.randrange(len(grants)))
                action, subject = "role-revoke", f"revoke {role} from {pid} at {scope}"
            else:
                role, scope = rng.choice(roles), unit_id(rng.randrange(units))
                grants.append((role, scope))
                grants[:] = grants[-6:]
                action, subject = "role-grant", f"grant {role} to {pid} at {scope}"
            trailers = [("Sob-Action", action), ("Sob-Actor", actor), ("Sob-Person", pid), ("Sob-Role", role),
                        ("Sob-Unit", scope), ("Sob-Date", time.strftime("%Y-%m-%d", time.gmtime(when))),
                        ("Sob-Decision", decision)]
            path, payload = f"roles/{pid}.yaml", _person_yaml(pid, grants)
        header(f"Admin {actor[-4:]}", f"{actor.lower()}@exempelland.se",
               _message(subject, f"Beslut {decision} om {action}", trailers))
        out.append(f"M 100644 inline {path}\n".encode())
        out.append(_data(payload))
    yield b"".join(out)


def build_repository(root: Path, acts: int) -> float:
    """Create the repository at ``root``; returns the seconds it took."""
    started = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=env)
    importer = subprocess.Popen(["git", "-C", str(root), "fast-import", "--quiet"], stdin=subprocess.PIPE, env=env)
    assert importer.stdin is not None
    for piece in fast_import_stream(acts):  # git imports while the next piece is generated
        importer.stdin.write(piece)
    importer.stdin.close()
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(root), "reset", "-q", "--hard", "main"], check=True, env=env)
    return time.perf_counter() - started


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(argv: list[str], runs: int, cwd: Path) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds (sobctl and its git processes, user + system) of ``runs``
    whole processes with stdout to /dev/null, after one warm-up run. On a shared machine the
    CPU seconds are the steadier figure: other people's work stretches wall time, not CPU time."""
    walls: list[float] = []
    cpus: list[float] = []
    with open(os.devnull, "wb") as sink:
        for attempt in range(runs + 1):
            cpu, started = _children_cpu(), time.perf_counter()
            done = subprocess.run(argv, cwd=cwd, stdout=sink, stderr=subprocess.PIPE, check=False)
            elapsed, used = time.perf_counter() - started, _children_cpu() - cpu
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()}")
            if attempt:
                walls.append(elapsed)
                cpus.append(used)
    return walls, cpus


def _figure(label: str, measured: tuple[list[float], list[float]], target: float | None) -> str:
    walls, cpus = measured
    median = statistics.median(walls)
    verdict = "" if target is None else ("ok" if median <= target else f"SLOWER than {target * 1000:.0f} ms")

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.0f}"

    return (f"{label}\n    wall median {ms(median):>5} ms  spread {ms(min(walls))}–{ms(max(walls))} ms"
            f"   cpu median {ms(statistics.median(cpus)):>5} ms  spread {ms(min(cpus))}–{ms(max(cpus))} ms"
            f"   ({len(walls)} runs)  {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_log", description=__doc__.splitlines()[0])
    parser.add_argument("--acts", type=int, default=100_000, help="acts in the generated history")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (after one warm-up)")
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the repository in this folder")
    args = parser.parse_args(argv)

    sobctl = shutil.which("sobctl", path=str(Path(sys.executable).parent)) or "sobctl"
    scratch = None
    if args.keep is not None:
        root = args.keep.resolve()
    else:
        scratch = tempfile.TemporaryDirectory(prefix="sobctl-bench-log-")
        root = Path(scratch.name) / "region"
    try:
        if (root / ".git").is_dir():
            print(f"reusing {root}")
        else:
            seconds = build_repository(root, args.acts)
            print(f"generated {args.acts:,} acts with git fast-import in {seconds:.1f} s ({root})")
        commits = subprocess.run(["git", "-C", str(root), "rev-list", "--count", "HEAD"], capture_output=True,
                                 text=True, check=True).stdout.strip()
        print(f"history: {commits} commits; sobctl = {sobctl}; {os.cpu_count()} cores")
        page = time_command([sobctl, "log", "-n", "50"], args.runs, root)
        export = time_command([sobctl, "log", "--format", "json"], args.runs, root)
        unit = time_command([sobctl, "log", "--unit", unit_id(17), "--format", "json"], args.runs, root)
        print(_figure("sobctl log -n 50", page, FIRST_PAGE_TARGET))
        print(_figure("sobctl log --format json > /dev/null", export, EXPORT_TARGET))
        print(_figure(f"sobctl log --unit {unit_id(17)} --format json", unit, None))
        print(f"load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        slow = statistics.median(page[0]) > FIRST_PAGE_TARGET or statistics.median(export[0]) > EXPORT_TARGET
        return 1 if slow else 0
    finally:
        if scratch is not None:
            scratch.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
