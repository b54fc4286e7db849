from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.config import Config
from cleaner.errors import RuleErrors
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record
from tests.conftest import RULES


def test_shipped_config_keeps_quotes_and_full_width_text() -> None:
    # The mojibake makes ftfy run on the line, so its defaults (straighten quotes, fold
    # full-width letters) would show here if the shipped settings stopped reaching it.
    line = "She said “we won’t stop” about the ＡＢＣ plan, and didnâ€™t say more in the hall.\n"
    result = Cleaner.from_paths([RULES]).clean(RawArticle("q", "q", line * 3)).result
    assert isinstance(result, Record)
    assert result.repairs  # ftfy did run
    assert result.text.splitlines()[0] == line.strip().replace("didnâ€™t", "didn’t")


def test_unknown_setting_is_an_error_with_choices(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("repair:\n  uncurl_quote: false\n", "utf-8")
    with pytest.raises(RuleErrors) as info:
        Config.from_rules_dir([tmp_path])
    message = str(info.value.errors[0])
    assert message.startswith(
        f"{tmp_path}/config.yaml:2: repair: unknown key 'uncurl_quote' (valid: "
    )
    assert "uncurl_quotes" in message
