"""sobctl init: a valid region repository whose generated CI, hooks and workflow real clients accept."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import PROJECT, TODAY, git, run_cli, snapshot

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
ADMINS = ("--admin", "SE2321000016-P001", "--admin-name", "Anna Lindqvist", "--admin-email", "anna@region-x.se",
          "--admin", "SE2321000016-P002", "--admin-name", "Bo Karlsson", "--admin-email", "bo@region-x.se")


def init(target: Path, *extra: str) -> tuple[int, str]:
    result = run_cli("init", str(target), "--region-name", "Region Prov", "--hsa-id", "SE2321000016-0000",
                     "--orgnr", "2321000016", *extra, "--as-of", TODAY)
    return result.code, result.stderr


def tool(name: str) -> str:
    """A console script installed beside this Python (the test extra), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


def client_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}


@pytest.fixture(autouse=True)
def identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who makes the first commit (sobctl init commits as the git user, like any command)."""
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Anna Lindqvist")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "anna@region-x.se")


@pytest.fixture
def new_region(tmp_path: Path) -> Path:
    target = tmp_path / "region-prov"
    code, stderr = init(target, *ADMINS)
    assert code == 0, stderr
    return target


def test_new_region_is_valid_and_committed(new_region: Path) -> None:
    assert git(new_region, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(new_region, "status", "--porcelain") == ""
    tracked = set(git(new_region, "ls-files").split())
    assert {"sobctl.yaml", "units/SE2321000016-0000.yaml", "roles/SE2321000016-P001.yaml",
            "roles/SE2321000016-P002.yaml", ".github/workflows/sobctl.yml", ".github/CODEOWNERS", ".gitlab-ci.yml",
            ".pre-commit-config.yaml", "schemas/program.schema.json", "catalogue/.gitkeep",
            "agreements/.gitkeep"} <= tracked
    result = run_cli("validate", "--strict", "--as-of", TODAY, "--repo", str(new_region))
    assert result.code == 0, result.stdout
    assert run_cli("schema", "export", "--check", "--repo", str(new_region)).code == 0
    assert run_cli("audit", "verify", "--repo", str(new_region)).code == 0
    assert 'org_number: "232100-0016"' in (new_region / "sobctl.yaml").read_text()


def test_codeowners_and_ci(new_region: Path) -> None:
    owners = (new_region / ".github/CODEOWNERS").read_text()
    assert "/roles/           @REGION-ORG/sob-administrators" in owners
    assert "/units/           @REGION-ORG/sob-administrators" in owners
    assert "/catalogue/       @REGION-ORG/sob-publishers" in owners
    gitlab = YAML(typ="safe").load((new_region / ".gitlab-ci.yml").read_text())
    script = "\n".join(gitlab["sobctl"]["script"])
    for command in ("sobctl validate", "sobctl schema export --check", "sobctl audit verify", "sobctl diff"):
        assert command in script
    workflow = YAML(typ="safe").load((new_region / ".github/workflows/sobctl.yml").read_text())
    steps = workflow["jobs"]["check"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif") for u in uses)
    assert any(u.startswith("actions/github-script") for u in uses)
    runs = "\n".join(s.get("run", "") for s in steps)
    assert 'sobctl audit verify "origin/${BASE_REF}..HEAD" --format github' in runs
    assert "--format markdown" in runs and "--format sarif" in runs


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    before = sorted(p.name for p in target.iterdir())
    code, stderr = init(target, *ADMINS)
    assert code == 4 and "not empty" in stderr
    assert sorted(p.name for p in target.iterdir()) == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--admin", "SE2321000016-P001"), "--admin-name"),
        (("--admin", "nobody", "--admin-name", "N", "--admin-email", "n@x.se"), "HSA-id"),
        (("--admin", "SE2321000016-P001", "--admin-name", "N", "--admin-email", "not-an-email"), "e-mail"),
    ],
)
def test_bad_options_write_nothing(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    target = tmp_path / "new"
    code, stderr = init(target, *args)
    assert code == 2 and words in stderr
    assert not target.exists()


def test_bad_orgnr(tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path / "x"), "--region-name", "R", "--hsa-id", "SE2321000016-0000",
                     "--orgnr", "2321000017")
    assert result.code == 2 and "Luhn" in result.stderr


def test_single_admin_is_warned_about(tmp_path: Path) -> None:
    code, stderr = init(tmp_path / "one", *ADMINS[:6])
    assert code == 0 and "two care-provider administrators" in stderr


# --- real clients -------------------------------------------------------------------------------


def test_generated_workflow_passes_actionlint(new_region: Path, tmp_path: Path) -> None:
    actionlint = tool("actionlint")
    workflow = new_region / ".github/workflows/sobctl.yml"
    done = subprocess.run([actionlint, "-no-color", str(workflow)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(workflow.read_text().replace("github.base_ref", "github.no_such_context"))
    done = subprocess.run([actionlint, "-no-color", str(broken)], capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "no_such_context" in done.stdout


def _run_pre_commit(root: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("pre-commit"), "run", "--all-files", "--color", "never"], cwd=root,
                          capture_output=True, text=True, env=client_env(tmp_path), check=False, timeout=500)


def test_generated_pre_commit_config_runs_under_pre_commit(new_region: Path, tmp_path: Path) -> None:
    done = _run_pre_commit(new_region, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sobctl validate" in done.stdout and "Passed" in done.stdout
    unit = new_region / "units/SE2321000016-0000.yaml"
    unit.write_text(unit.read_text() + "colour: blue\n")
    git(new_region, "add", "-A")
    done = _run_pre_commit(new_region, tmp_path)
    assert done.returncode == 1
    assert "error[SOB011]: unknown field 'colour'" in done.stdout


def test_project_hook_runs_from_a_clone(tmp_path: Path) -> None:
    """The project's .pre-commit-hooks.yaml, used from a file:// clone of this checkout (as a region would)."""
    hooks = YAML(typ="safe").load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["id"] == "sobctl-validate" and hooks[0]["pass_filenames"] is False
    source = tmp_path / "sobctl-src"
    source.mkdir()
    listed = subprocess.run(["git", "-C", str(PROJECT), "ls-files", "-z"], capture_output=True, check=True)
    for name in listed.stdout.decode().split("\0"):
        if name and (PROJECT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT / name, source / name)
    git(source, "init", "-q")
    git(source, "add", "-A")
    git(source, "-c", "user.email=dev@example.com", "-c", "user.name=Dev", "commit", "-q", "-m", "snapshot")
    revision = git(source, "rev-parse", "HEAD").strip()
    region = tmp_path / "region"
    code, stderr = init(region, *ADMINS, "--pre-commit-repo", f"file://{source}", "--pre-commit-rev", revision)
    assert code == 0, stderr
    config = YAML(typ="safe").load((region / ".pre-commit-config.yaml").read_text())
    assert config["repos"][0] == {"repo": f"file://{source}", "rev": revision, "hooks": [{"id": "sobctl-validate"}]}
    done = _run_pre_commit(region, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    (region / "roles/SE2321000016-P002.yaml").unlink()
    git(region, "add", "-A")
    done = _run_pre_commit(region, tmp_path)
    assert done.returncode == 1 and "SE2321000016-P002" in done.stdout


def test_validate_sarif_of_a_new_region_matches_the_schema(new_region: Path) -> None:
    import jsonschema

    (new_region / "units/SE2321000016-0000.yaml").write_text("hsa_id: [\n")
    result = run_cli("validate", "--format", "sarif", "--repo", str(new_region))
    assert result.code == 1
    jsonschema.validate(json.loads(result.stdout), json.loads(SARIF_SCHEMA.read_text()))


def test_nothing_left_behind_on_refusal(new_region: Path) -> None:
    before = snapshot(new_region)
    code, _ = init(new_region, *ADMINS)
    assert code == 4
    assert snapshot(new_region) == before
