"""`cleaner run` leaves out what a run does not need at start: jsonschema (only for the messages
of a record the compiled schema check refuses), the example runner and the report page. Each
input kind still gives its records, in one fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ARTICLE = (
    "The council met on Tuesday to agree the budget for the coming year. Members voted to "
    "fund the school road plan and the new river path.\n\nThe plan goes to the board next month."
)
PAGE = f"<html><head><title>Budget</title></head><body><article><p>{ARTICLE}</p></article></body></html>"

SCRIPT = """
import json, sys
from pathlib import Path
from cleaner.cli import main
runs = json.loads(sys.argv[1])
for args, out in runs:
    code = main(["run", *args, "-o", out, "-q", "--no-progress", "-j", "1"])
    assert code == 0, (args, code)
    lines = (Path(out) / "articles.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["text"], (args, lines)
print(json.dumps(sorted(m for m in ("jsonschema", "cleaner.testing", "cleaner.report.page")
                        if m in sys.modules)))
"""


def test_run_on_each_input_kind_without_the_late_imports(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, "utf-8")
    (tmp_path / "a.html").write_text(PAGE, "utf-8")
    (tmp_path / "text.jsonl").write_text(json.dumps({"id": "t", "text": ARTICLE}) + "\n", "utf-8")
    (tmp_path / "html.jsonl").write_text(json.dumps({"id": "h", "html": PAGE}) + "\n", "utf-8")
    runs = [
        ([str(tmp_path / "a.txt")], str(tmp_path / "o1")),
        ([str(tmp_path / "a.html")], str(tmp_path / "o2")),
        ([str(tmp_path / "text.jsonl")], str(tmp_path / "o3")),
        ([str(tmp_path / "html.jsonl"), "--html-key", "html"], str(tmp_path / "o4")),
    ]
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(runs)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_a_refused_record_still_gets_jsonschemas_messages() -> None:
    from cleaner.steps.validate import Validator, default_schema

    reasons = Validator(default_schema()).problems({"id": 5})
    assert reasons
    assert all(r.code == "schema" for r in reasons)
    assert any("is not of type 'string'" in r.message for r in reasons)
