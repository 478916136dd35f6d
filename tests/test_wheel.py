"""The built wheel is the product: installed into a fresh virtualenv, it plans a bundled mission.

The wheel is built from a copy of the package folders (nothing is written into the repository)
and installed with ``--no-deps --no-index`` into a virtualenv outside the repository.  That
virtualenv sees the project venv's third-party packages through a ``.pth`` line, which adds the
folder to ``sys.path`` without running the ``.pth`` files in it, so the editable install of
``cosmo_agent`` stays out and ``import cosmo_agent`` is the wheel's copy (asserted).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
PIP: list[str | os.PathLike[str]] = [sys.executable, "-m", "pip"]


def _source_dir(package: str) -> Path:
    """The repository folder of ``package`` under setuptools' ``package-dir`` mapping."""
    mapping: dict[str, str] = SETUPTOOLS["package-dir"]
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        head = ".".join(parts[:cut])
        if head in mapping:
            return ROOT / mapping[head] / Path(*parts[cut:])
    return ROOT / Path(*parts)


def test_every_source_package_is_listed_for_the_wheel() -> None:
    """A package folder left out of ``packages`` would be missing from the installed wheel."""
    listed = set(SETUPTOOLS["packages"])
    roots = {p for p in listed if p.count(".") <= 1}
    found = set()
    for root in roots:
        folder = _source_dir(root)
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder)
            if all(part.isidentifier() for part in rel.parts):
                found.add(".".join([root, *rel.parts]))
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert all((_source_dir(p) / "__init__.py").is_file() for p in listed)


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _run(
    args: list[str | os.PathLike[str]], cwd: Path, timeout_s: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def _build_wheel(tmp: Path) -> Path:
    """The wheel of a copy of the package folders, built without network or build isolation."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in sorted({Path(d).parts[0] for d in SETUPTOOLS["package-dir"].values()}):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    dist = tmp / "dist"
    built = _run(
        [*PIP, "wheel", "-q", "--no-deps", "--no-index", "--no-build-isolation", "-w", dist, src],
        cwd=tmp,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = dist.glob("cosmo_agent-*.whl")
    return wheel


def _fresh_venv(venv: Path, cwd: Path) -> None:
    """A virtualenv that sees the project venv's third-party packages, not its cosmo_agent."""
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=cwd)
    assert made.returncode == 0, made.stderr
    query = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([_python(venv), "-c", query], cwd=cwd).stdout.strip())
    assert site.is_dir() and site.is_relative_to(venv)
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "project-venv-packages.pth").write_text("\n".join(sorted(ours)) + "\n")


@pytest.mark.slow
def test_the_installed_wheel_plans_a_bundled_mission(tmp_path: Path) -> None:
    assert not tmp_path.is_relative_to(ROOT)
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    _fresh_venv(venv, tmp_path)
    installed = _run(
        [*PIP, "--python", _python(venv), "install", "-q", "--no-deps", "--no-index", wheel],
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]

    probe = (
        "import sys, cosmo_agent, cosmo_agent.missions, cosmo_agent.tools.spaceweather;"
        " print(cosmo_agent.__file__); print(any('editable' in m for m in sys.modules))"
    )
    where = _run([_python(venv), "-c", probe], cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    module_file, editable = where.stdout.split()
    assert Path(module_file).is_relative_to(venv), module_file
    assert editable == "False"

    work = tmp_path / "work"
    work.mkdir()
    out = work / "plan.json"
    plan = _run([venv / "bin" / "cosmo-agent", "plan", "bundled:demo.yaml", "-o", out], cwd=work)
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert json.loads(out.read_text(encoding="utf-8"))["commands"]

    unknown = _run([venv / "bin" / "cosmo-agent", "plan", "bundled:nope.yaml"], cwd=work)
    assert unknown.returncode == 2
    assert "bundled:demo.yaml" in unknown.stderr
