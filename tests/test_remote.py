"""Remote inputs and output folders (``s3://``) against a local S3 server that the test starts
(moto's), never the internet: the same bytes as a local run, objects written only once whole,
``summary.json`` last, and clear refusals."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cleaner.cli import main
from cleaner.errors import CleanerError
from cleaner.io.remote_output import RemoteOutput, RemoteStopped
from cleaner.io.writers import OutputOptions
from cleaner.pipeline import Cleaner
from cleaner.run import RunOptions, run
from tests.conftest import RULES, SEEDS

pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")

BUCKET = "corpus"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An empty bucket; credentials and endpoint only from the environment, as a user sets
    them."""
    import s3fs

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    if fs.exists(BUCKET):
        fs.rm(BUCKET, recursive=True)
    fs.mkdir(BUCKET)
    yield fs
    s3fs.S3FileSystem.clear_instance_cache()


def _inputs(folder: Path) -> Path:
    """The seeds, a JSONL file with a reject and a gzip JSONL file, in nested folders."""
    (folder / "sub").mkdir(parents=True)
    for path in sorted(SEEDS.glob("*.txt")):
        shutil.copy(path, folder / path.name)
    (folder / "sub" / "a.jsonl").write_text(
        '{"id": "short", "text": "Too short."}\nnot json\n', "utf-8"
    )
    # The first seed's text again: --dedup exact drops it.
    seed = next(iter(sorted(SEEDS.glob("*.txt")))).read_text("utf-8")
    line = json.dumps({"id": "gz", "text": seed, "url": "https://example.com/x"}) + "\n"
    (folder / "sub" / "b.jsonl.gz").write_bytes(gzip.compress(line.encode(), mtime=0))
    (folder / "notes.csv").write_text("skipped,as locally\n", "utf-8")
    return folder


def _local_names(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir())


def _remote_names(fs: Any, prefix: str) -> list[str]:
    fs.invalidate_cache()
    return sorted(Path(p).name for p in fs.find(prefix))


def _same(local: bytes, remote: bytes) -> None:
    """Equal bytes, but for each record's ``source``, which names where it was read."""
    assert remote.replace(f'"s3://{BUCKET}/in/'.encode(), b'"in/') == local


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--shard-size", "2"],
        ["--shard-size", "3", "--compression", "gzip"],
        ["--dedup", "exact", "--shard-size", "4"],  # two passes, the first in the staging folder
    ],
)
def test_remote_run_equals_local_run(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _inputs(tmp_path / "in")
    assert main(["run", "in", "-o", "local", "--rules", str(RULES), *flags]) == 0
    s3.put(str(tmp_path / "in"), f"{BUCKET}/in", recursive=True)

    remote_out = f"s3://{BUCKET}/out"
    assert main(["run", f"s3://{BUCKET}/in", "-o", remote_out, "--rules", str(RULES), *flags]) == 0

    names = _local_names(tmp_path / "local")
    assert _remote_names(s3, f"{BUCKET}/out") == names
    assert "summary.json" in names
    for name in names:
        local = (tmp_path / "local" / name).read_bytes()
        remote = s3.cat_file(f"{BUCKET}/out/{name}")
        if name.endswith(".gz"):
            local, remote = gzip.decompress(local), gzip.decompress(remote)
        _same(local, remote)


def test_remote_input_to_local_output_resumes(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    s3.put(str(_inputs(tmp_path / "in")), f"{BUCKET}/in", recursive=True)
    args = ["run", f"s3://{BUCKET}/in", "-o", "out", "--rules", str(RULES), "--shard-size", "2"]
    assert main(args) == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert main([*args, "--resume"]) == 0  # the manifest holds each object's size and ETag
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == first


def test_objects_appear_whole_and_summary_last(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cleaner: Cleaner
) -> None:
    monkeypatch.chdir(tmp_path)
    s3.put(str(_inputs(tmp_path / "in")), f"{BUCKET}/in", recursive=True)
    uploads: list[str] = []
    put = RemoteOutput._upload

    def watched(self: RemoteOutput, local: Path) -> None:
        # When an object goes up, its shard is committed: its marker is written already.
        if local.name.startswith("articles-"):
            shard = int(local.name.split("-")[1].split(".")[0])
            assert (self.done_dir / f"{shard:05d}.json").is_file()
        put(self, local)
        uploads.append(local.name)

    monkeypatch.setattr(RemoteOutput, "_upload", watched)
    options = RunOptions(output=OutputOptions(shard_size=2))
    run(cleaner, [f"s3://{BUCKET}/in"], f"s3://{BUCKET}/out", options)
    assert uploads[-1] == "summary.json"
    assert uploads.count("summary.json") == 1
    assert len(uploads) == 2 * 4 + 1  # 8 articles in shards of 2: 4 shards of two files


def test_a_failed_upload_leaves_no_summary_and_says_so(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cleaner: Cleaner
) -> None:
    monkeypatch.chdir(tmp_path)
    s3.put(str(_inputs(tmp_path / "in")), f"{BUCKET}/in", recursive=True)
    # A previous finished run in the same place: its summary must not outlive the new run.
    s3.pipe(f"{BUCKET}/out/summary.json", b"{}")
    s3.pipe(f"{BUCKET}/out/articles-00007.jsonl", b"old\n")
    put = s3.put_file  # fsspec hands the run this same (cached) filesystem
    staging: list[Path] = []

    def failing(local: str, remote: str, *args: Any, **kwargs: Any) -> None:
        staging.extend(Path(local).parents[:1])
        if remote.endswith("articles-00001.jsonl"):
            raise PermissionError(13, "Access Denied")
        put(local, remote, *args, **kwargs)

    monkeypatch.setattr(s3, "put_file", failing)
    options = RunOptions(output=OutputOptions(shard_size=2))
    with pytest.raises(
        RemoteStopped,
        match=r"cannot write 's3://corpus/out/articles-00001.jsonl': Access Denied.*run it again",
    ):
        run(cleaner, [f"s3://{BUCKET}/in"], f"s3://{BUCKET}/out", options)
    assert _remote_names(s3, f"{BUCKET}/out") == ["articles-00000.jsonl", "rejects-00000.jsonl"]
    assert not staging[0].exists()  # the local staging folder is gone too


def test_resume_to_remote_output_is_refused(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _inputs(tmp_path / "in")
    code = main(["run", "in", "-o", f"s3://{BUCKET}/out", "--rules", str(RULES), "--resume"])
    assert code == 2
    assert "--resume needs a local output folder" in capsys.readouterr().err
    assert _remote_names(s3, f"{BUCKET}/out") == []


@pytest.mark.parametrize("where", [f"s3://{BUCKET}/no-such-folder", "s3://no-such-bucket/in"])
def test_a_missing_remote_input_is_a_usage_error(
    s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    code = main(["run", where, "-o", str(tmp_path / "out"), "--rules", str(RULES)])
    assert code == 2
    assert f"input '{where}' not found" in capsys.readouterr().err
    assert not (tmp_path / "out" / "summary.json").exists()


def test_an_unknown_scheme_is_a_usage_error(tmp_path: Path, cleaner: Cleaner) -> None:
    with pytest.raises(CleanerError, match="cannot open 'nosuchfs://x/in'"):
        run(cleaner, ["nosuchfs://x/in"], str(tmp_path / "out"))


def test_ray_refuses_remote_paths(tmp_path: Path, cleaner: Cleaner) -> None:
    pytest.importorskip("ray")
    from cleaner.ray_engine import run_ray

    with pytest.raises(CleanerError, match="for the local engine"):
        run_ray(cleaner, [f"s3://{BUCKET}/in"], str(tmp_path / "out"), RunOptions())


def test_a_remote_text_over_the_limit_is_rejected_as_locally_without_a_copy(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cleaner.io.items import JsonlKeys, Limits
    from cleaner.io.readers import read_expanded, read_path
    from cleaner.io.remote import expand_remote

    (tmp_path / "big.txt").write_text("word " * 100, "utf-8")
    s3.put_file(str(tmp_path / "big.txt"), f"{BUCKET}/in/big.txt")
    limits = Limits(article=100)
    local = list(read_path(tmp_path / "big.txt", JsonlKeys(), limits=limits, source="x"))
    monkeypatch.setattr(s3, "get_file", None)  # a copy would fail: none is made
    remote = list(read_expanded(expand_remote(f"s3://{BUCKET}/in", bool), limits=limits))
    assert [r.reasons for r in remote] == [r.reasons for r in local]  # type: ignore[union-attr]
    assert remote[0].reasons[0].code == "too_large"  # type: ignore[union-attr]
    assert remote[0].source == f"s3://{BUCKET}/in/big.txt"
