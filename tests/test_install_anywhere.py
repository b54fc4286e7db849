"""Issue 17 part 1: the packs ship inside the package, --rules adds to them, config is found in
the usual places, and a built wheel cleans articles from an empty folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from cleaner.cli import main
from cleaner.packs import default_rules_dir

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
RULES = ROOT / "rules"
SEED = sorted(SEEDS.glob("*.txt"))[0]


def run_in(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cleaner", *argv],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": "", "CI": "1"},
        check=False,
    )


def records(outdir: Path) -> list[dict[str, object]]:
    lines = (outdir / "articles.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_the_default_packs_are_found_from_any_folder(tmp_path: Path) -> None:
    assert default_rules_dir() == RULES  # an editable install: the checkout's rules/
    proc = run_in(tmp_path, "run", str(SEEDS), "-o", "out")
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr
    got = records(tmp_path / "out")
    assert [r["id"] for r in got] == [r["id"] for r in records(ROOT / "cleaned")]
    assert all(r["rules"] for r in got)  # the generic packs acted


def test_rules_adds_packs_on_top_of_the_defaults(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "extra.yaml").write_text(
        "pack: extra\ndescription: One more line to drop.\nscope: generic\nrules:\n"
        "  - id: extra-drop\n    kind: drop_line\n    description: A marker line.\n"
        "    literal: 'DROP THIS LINE'\n    examples:\n"
        '      - input: "DROP THIS LINE\\nText."\n        output: Text.\n'
        "      - input: Text.\n        output: Text.\n",
        "utf-8",
    )
    lines = SEED.read_text("utf-8").splitlines()
    middle = len(lines) // 2  # inside the article, away from its site's header and footer
    text = "\n".join([*lines[:middle], "DROP THIS LINE", *lines[middle:]])
    (tmp_path / "in.txt").write_text(text, "utf-8")
    proc = run_in(tmp_path, "run", "in.txt", "-o", "out", "--rules", "mine")
    assert proc.returncode == 0, proc.stderr
    (rec,) = records(tmp_path / "out")
    packs = {r["pack"] for r in rec["rules"]}  # type: ignore[attr-defined]
    assert "extra" in packs
    assert packs - {"extra"}
    listing = run_in(tmp_path, "rules", "--rules", "mine", "--format", "json")
    origin = {p["pack"]: p["from"] for p in json.loads(listing.stdout)}
    assert origin["extra"] == "--rules"
    assert set(origin.values()) == {"default", "--rules"}


def test_no_default_rules_leaves_them_out_and_warns(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text(SEED.read_text("utf-8"), "utf-8")
    site = tmp_path / "site"
    assert main(["new-site", "example-news.com", "--rules", str(site)]) == 0
    proc = run_in(tmp_path, "run", "in.txt", "-o", "out", "--no-default-rules", "--rules", "site")
    assert proc.returncode == 0, proc.stderr
    assert "no generic pack is loaded" in proc.stderr
    (rec,) = records(tmp_path / "out")
    assert rec["rules"] == []
    quiet = run_in(tmp_path, "run", "in.txt", "-o", "o2", "--no-default-rules", "-q")
    assert quiet.returncode == 0
    assert quiet.stderr == ""


def test_new_site_in_a_folder_adds_to_the_defaults(tmp_path: Path) -> None:
    # The case: `cleaner new-site` made ./rules; `cleaner run` then had no generic pack.
    proc = run_in(tmp_path, "new-site", "example-news.com")
    assert proc.returncode == 0, proc.stderr
    listing = run_in(tmp_path, "rules", "--format", "json")
    origin = {p["pack"]: p["from"] for p in json.loads(listing.stdout)}
    assert origin["example-news.com"] == "./rules"
    assert "default" in origin.values()
    assert "warning" not in listing.stderr


def test_rules_from_the_checkout_is_loaded_once() -> None:
    # `--rules rules` (tests, .ci/run) and a default site pack named again: no duplicate ids.
    argv = [
        "check-rules",
        "--rules",
        str(RULES),
        "--rules",
        str(RULES / "sites" / "bbc.co.uk.yaml"),
    ]
    assert main(argv) == 0


def test_a_copy_of_a_default_pack_is_loaded_once(tmp_path: Path) -> None:
    copy = tmp_path / "bbc.co.uk.yaml"
    copy.write_bytes((RULES / "sites" / "bbc.co.uk.yaml").read_bytes())
    assert main(["check-rules", "--rules", str(copy)]) == 0
    copy.write_bytes(copy.read_bytes() + b"\n# edited\n")  # a different pack of the same name
    assert main(["check-rules", "--rules", str(copy)]) == 2


def test_config_is_found_in_cleaner_yaml_and_pyproject(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    for name in ("a.txt", "b.txt"):
        (corpus / name).write_text(SEED.read_text("utf-8"), "utf-8")
    # [tool.cleaner] in ./pyproject.toml
    (tmp_path / "pyproject.toml").write_text("[tool.cleaner]\ncorpus = {dedup = 'exact'}\n")
    proc = run_in(tmp_path, "run", "in", "-o", "o1")
    assert proc.returncode == 0, proc.stderr
    assert len(records(tmp_path / "o1")) == 1  # the copy went to duplicates.jsonl
    # ./cleaner.yaml wins over pyproject.toml, and a flag wins over both
    (tmp_path / "cleaner.yaml").write_text("corpus:\n  dedup: none\n")
    assert run_in(tmp_path, "run", "in", "-o", "o2").returncode == 0
    assert len(records(tmp_path / "o2")) == 2
    assert run_in(tmp_path, "run", "in", "-o", "o3", "--dedup", "exact").returncode == 0
    assert len(records(tmp_path / "o3")) == 1


def test_a_bad_project_config_names_its_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "cleaner.yaml").write_text("corpus:\n  dedupe: exact\n")
    proc = run_in(tmp_path, "run", str(SEED), "-o", "out")
    assert proc.returncode == 2
    assert "cleaner.yaml:2: corpus: unknown key 'dedupe'" in proc.stderr
    assert "did you mean 'dedup'?" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_config_rules_and_default_rules_keys(tmp_path: Path) -> None:
    (tmp_path / "packs").mkdir()
    (tmp_path / "cleaner.yaml").write_text("rules: [packs]\ndefault_rules: false\n")
    assert main(["new-site", "example-news.com", "--rules", str(tmp_path / "packs")]) == 0
    listing = run_in(tmp_path, "rules", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    assert [p["from"] for p in json.loads(listing.stdout)] == ["config"]
    assert "no generic pack is loaded" in listing.stderr


def _build_wheel(dest: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dest)]
    # The dev extra holds a setuptools that builds wheels: no download then. An older
    # environment (installed before that) builds in pip's isolated environment instead.
    from importlib.metadata import version

    if tuple(int(x) for x in version("setuptools").split(".")[:2]) >= (70, 1):
        cmd.append("--no-build-isolation")
    proc = subprocess.run(
        [*cmd, str(ROOT)], capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = dest.glob("cleaner-*.whl")
    return wheel


def test_the_packs_inside_an_installed_package_are_never_rewritten_by_fix() -> None:
    import cleaner
    from cleaner.packs import is_packaged

    assert is_packaged(Path(cleaner.__file__).parent / "rules" / "config.yaml")
    assert not is_packaged(RULES / "config.yaml")  # the checkout's packs are the user's


def test_the_built_wheel_cleans_from_an_empty_folder(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cleaner/rules/config.yaml" in names
    assert {
        f"cleaner/rules/{p.relative_to(RULES).as_posix()}" for p in RULES.rglob("*.yaml")
    } <= set(names)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    proc = subprocess.run(
        [*install, "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    # The dependencies come from this environment (no network here): a path entry, which
    # does not run this environment's editable-install hook, so `cleaner` is the wheel's.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "in.txt").write_bytes(SEED.read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    ran = subprocess.run(
        [str(venv / "bin" / "cleaner"), "run", "in.txt", "-o", "out"],
        cwd=empty,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "CI": "1"},
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    (rec,) = records(empty / "out")
    expected = next(r for r in records(ROOT / "cleaned") if r["id"] == SEED.stem)
    assert rec["text"] == expected["text"]
    assert rec["rules"] == expected["rules"]
    where = subprocess.run(
        [str(python), "-c", "import cleaner.packs as p; print(p.default_rules_dir())"],
        cwd=empty,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv)
    version = subprocess.run(
        [str(python), "-m", "cleaner", "--version"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert version.stdout.strip() == "cleaner 0.1.0"


def test_a_rebuilt_cleaner_keeps_the_project_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Spawned workers and Ray's actors rebuild the cleaner from its sources: the settings of
    # ./cleaner.yaml must travel with them, not be looked up again where they run.
    from cleaner.cli import build_parser
    from cleaner.cli.common import cleaner_of
    from cleaner.pipeline import Cleaner
    from cleaner.ray_engine import pack_rules, unpack_cleaner

    (tmp_path / "cleaner.yaml").write_text("language:\n  sample_chars: 777\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    built = cleaner_of(build_parser().parse_args(["run", "x", "-o", "y"]))
    assert built.config.language["sample_chars"] == 777
    assert built.sources is not None
    monkeypatch.chdir(ROOT)
    for again in (Cleaner.from_paths(*built.sources), unpack_cleaner(pack_rules(built))):
        assert again.config == built.config
        assert [p.name for p in again.rules.packs] == [p.name for p in built.rules.packs]
