"""Bad input never crashes, hangs or eats memory: it becomes located diagnostics.

The located diagnostic of each kind of bad file is asserted by the invalid examples
(tests/examples/invalid/); here: speed and memory of an alias bomb, special files that
must never be opened, every format over all kinds at once, and random bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TODAY, run_cli
from examples import VALID
from sobctl.model.codes import RULES
from sobctl.model.entities import Person, Program
from sobctl.repo.workspace import parse_document


def alias_bomb(levels: int = 12, width: int = 10) -> bytes:
    """Billion laughs: ``width ** levels`` strings once every alias is expanded."""
    lines = ["id: bomb", "l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return ("\n".join(lines) + "\n").encode()


MAPPING_BOMB = (
    b"id: bomb\na: &a {x: 1, y: 1, z: 1, w: 1, v: 1, u: 1, t: 1, s: 1}\n"
    + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} {{".encode()
        + b", ".join(f"k{j}: *{chr(97 + i)}".encode() for j in range(10))
        + b"}\n"
        for i in range(12)
    )
)


def test_alias_bombs_are_refused_quickly() -> None:
    for bomb in (alias_bomb(), alias_bomb(levels=30, width=2), MAPPING_BOMB):
        started = time.perf_counter()
        document, found = parse_document("catalogue/bomb.yaml", bomb, Program)
        elapsed = time.perf_counter() - started
        assert document is None
        assert [d.code for d in found] == ["SOB006"]
        assert found[0].line is not None and found[0].line > 1  # at the first alias, not the top
        assert elapsed < 0.25, f"alias bomb took {elapsed:.2f}s"


def _peak_rss_kib(root: Path) -> int:
    """Peak memory of a fresh interpreter that validates ``root`` (ru_maxrss, KiB on Linux)."""
    script = (
        "import datetime, resource, sys\n"
        "from pathlib import Path\n"
        "from sobctl.checks import validate_repository\n"
        "validate_repository(Path(sys.argv[1]), datetime.date(2026, 11, 23))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)], capture_output=True, text=True, timeout=60, check=True
    )
    return int(done.stdout.strip())


@pytest.fixture
def small_region(tmp_path: Path) -> Path:
    """The smallest valid region: timings must not grow with the demo region."""
    root = tmp_path / "small"
    shutil.copytree(VALID / "minimal-region", root)
    (root / "catalogue").mkdir()
    return root


def test_alias_bomb_memory_stays_bounded(small_region: Path) -> None:
    region = small_region
    baseline = _peak_rss_kib(region)
    (region / "catalogue" / "bomb.yaml").write_bytes(alias_bomb(levels=15))
    started = time.perf_counter()
    result = run_cli("validate", "--repo", str(region), "--as-of", TODAY, "--format", "json")
    elapsed = time.perf_counter() - started
    assert result.code == 1
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["path"] == "catalogue/bomb.yaml"]
    assert [(d["code"], d["line"]) for d in found] == [("SOB006", 3)]
    assert elapsed < 1.0, f"validate with an alias bomb took {elapsed:.2f}s"
    with_bomb = _peak_rss_kib(region)
    assert with_bomb - baseline < 32 * 1024, f"peak memory grew by {(with_bomb - baseline) // 1024} MiB"


def _every_kind_of_bad_file(root: Path) -> None:
    files: dict[str, bytes] = {
        "catalogue/utf8.yaml": "id: utf8\ntitle: Bj\xf6rk\n".encode("latin-1"),
        "catalogue/junk.yaml": bytes(range(256)) * 4,
        "catalogue/empty.yaml": b"",
        "catalogue/bomb.yaml": alias_bomb(),
        "units/list.yaml": b"- a\n- b\n",
        "units/docs.yaml": b"a: 1\n---\nb: 2\n",
        "catalogue/fall.yml": b"id: fall\n",
        "roles/dup.yaml": b"hsa_id: SE2321000016-P960\nname: A\nname: B\n",
        "roles/tab.yaml": b"hsa_id: SE2321000016-P961\n\tname: A\n",
        "catalogue/version.yaml": b"id: version\nversion: 1.10\n",
        "agreements/deep.yaml": b"id: deep\ncovers: " + b"[" * 5000 + b"]" * 5000 + b"\n",
        "agreements/mismatch.yaml": b"id: not-the-name\n",
        "catalogue/big.yaml": b"id: big\n" + b"# padding\n" * 110_000,
    }
    for relpath, data in files.items():
        (root / relpath).write_bytes(data)
    os.symlink("/etc/passwd", root / "units" / "out.yaml")
    os.symlink("/dev/zero", root / "units" / "zero.yaml")
    os.symlink("/dev/zero", root / "sobctl.yaml.tmp")  # outside the content folders: ignored
    os.mkfifo(root / "roles" / "pipe.yaml")
    (root / "roles" / "folder.yaml").mkdir()


def test_every_kind_of_bad_file_in_every_format(region: Path) -> None:
    """Through the real console entry point in a subprocess: no traceback, no hang, every format."""
    _every_kind_of_bad_file(region)
    for fmt in ("text", "json", "github", "sarif", "junit"):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "sobctl", "validate", "--repo", str(region), "--as-of", TODAY, "--format", fmt],
            capture_output=True, text=True, timeout=60, check=False,
        )
        assert done.returncode == 1, f"{fmt}: {done.returncode}\n{done.stderr}"
        assert done.stderr == "", done.stderr
        assert time.perf_counter() - started < 10
        if fmt == "json":
            report = json.loads(done.stdout)
            paths = {d["path"] for d in report["diagnostics"]}
            assert {"units/zero.yaml", "units/out.yaml", "roles/pipe.yaml", "roles/folder.yaml",
                    "catalogue/big.yaml", "agreements/deep.yaml"} <= paths
            for item in report["diagnostics"]:
                assert item["code"] in RULES


def test_bom_and_crlf_are_fine(region: Path) -> None:
    person = region / "roles" / "SE2321000016-P001.yaml"
    person.write_bytes(b"\xef\xbb\xbf" + person.read_bytes().replace(b"\n", b"\r\n"))
    result = run_cli("validate", "--repo", str(region), "--as-of", TODAY, "--format", "json")
    assert result.code == 0, result.stdout
    assert not [d for d in json.loads(result.stdout)["diagnostics"] if d["path"] == "roles/SE2321000016-P001.yaml"]


def test_symlink_inside_the_repository_is_read(region: Path) -> None:
    (region / "shared").mkdir()
    person = region / "roles" / "SE2321000016-P001.yaml"
    person.rename(region / "shared" / person.name)
    os.symlink(f"../shared/{person.name}", person)
    result = run_cli("validate", "--repo", str(region), "--as-of", TODAY, "--format", "json")
    assert result.code == 0, result.stdout


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_never_raise(raw: bytes) -> None:
    document, found = parse_document("roles/x.yaml", raw, Person)
    assert (document is None) == bool(found)
    for item in found:
        assert item.code in RULES
        assert item.line is None or item.line >= 1


YAMLISH = st.text(alphabet=st.sampled_from([*"ab:- \n\t&*[]{}!|>'\"#%@,?0.1\\", "\u00e5", "\x00"]), max_size=300)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_yaml_like_text_never_raises(text: str) -> None:
    document, found = parse_document("catalogue/x.yaml", text.encode("utf-8"), Program)
    assert document is None and found
    for item in found:
        assert item.code in RULES


def test_content_folder_symlinked_out_of_the_repository_is_not_read(region: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("id: secret\nnot: an agreement\n", encoding="utf-8")
    for path in (region / "agreements").iterdir():
        path.unlink()
    (region / "agreements").rmdir()
    os.symlink(outside, region / "agreements")
    result = run_cli("validate", "--repo", str(region), "--as-of", TODAY, "--format", "json")
    assert result.code == 1
    found = json.loads(result.stdout)["diagnostics"]
    assert [(d["code"], d["line"]) for d in found if d["path"] == "agreements"] == [("SOB007", 1)]
    assert not [d for d in found if d["path"].startswith("agreements/")]


def test_content_folder_that_is_a_file(region: Path) -> None:
    for path in (region / "agreements").iterdir():
        path.unlink()
    (region / "agreements").rmdir()
    (region / "agreements").write_text("# not a folder\n\n- one\n- two\n", encoding="utf-8")
    result = run_cli("validate", "--repo", str(region), "--as-of", TODAY, "--format", "json")
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["path"] == "agreements"]
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("SOB007", 1, 1)]
    assert "must be a folder" in found[0]["message"]


FLOW_ITEMS = b"".join(b'  - {a: %d, b: [1, 2, 3], c: "text"}\n' % i for i in range(25000))
BLOCK_MODULES = b"".join(b"    - id: m%d\n      title: M\n      sections: []\n" % i for i in range(19000))


def test_huge_bad_files_are_located_without_taking_seconds(small_region: Path) -> None:
    """Just under 1 MiB, flow style: ruamel would take ~20 s per file; line scans take milliseconds."""
    region = small_region
    files = {
        "catalogue/syntax.yaml": (b"id: syntax\nitems:\n" + FLOW_ITEMS + b"bad: : :\n", "SOB001", 25003),
        "catalogue/dup-top.yaml": (b"id: dup-top\nitems:\n" + FLOW_ITEMS + b"items: 2\n", "SOB002", 25003),
        "catalogue/dup-deep.yaml": (
            b"id: dup-deep\ncontent:\n  modules:\n" + BLOCK_MODULES + b"    - id: a\n      title: A\n      title: B\n",
            "SOB002",
            3 + 3 * 19000 + 3,
        ),
        "catalogue/schema.yaml": (
            b"# big\nid: schema\ncontent:\n  modules:\n" + BLOCK_MODULES + b"extra: 1\n",
            "SOB011",
            5 + 3 * 19000,
        ),
        "catalogue/docs.yaml": (b"".join(b"k%d: 1\n" % i for i in range(60000)) + b"---\nb: 2\n", "SOB003", 60001),
    }
    for relpath, (data, _, _) in files.items():
        assert 512 * 1024 < len(data) <= 1024 * 1024
        (region / relpath).write_bytes(data)
    started = time.perf_counter()
    result = run_cli("validate", "--repo", str(region), "--as-of", TODAY, "--format", "json")
    elapsed = time.perf_counter() - started
    found = json.loads(result.stdout)["diagnostics"]
    for relpath, (_, code, line) in files.items():
        assert (code, line) in {(d["code"], d["line"]) for d in found if d["path"] == relpath}, (relpath, found)
    assert elapsed < 5, f"validate took {elapsed:.1f}s"
