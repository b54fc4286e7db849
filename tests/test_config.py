from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.config import Config
from cleaner.errors import RuleErrors
from tests.conftest import RULES


def test_shipped_config_keeps_quotes_and_times_sign() -> None:
    config = Config.from_rules_dir([RULES])
    assert config.repair["uncurl_quotes"] is False
    assert config.ftfy_options()["uncurl_quotes"] is False


def test_unknown_setting_is_an_error_with_choices(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("repair:\n  uncurl_quote: false\n", "utf-8")
    with pytest.raises(RuleErrors) as info:
        Config.from_rules_dir([tmp_path])
    message = str(info.value.errors[0])
    assert message.startswith(
        f"{tmp_path}/config.yaml:2: repair: unknown key 'uncurl_quote' (valid: "
    )
    assert "uncurl_quotes" in message
