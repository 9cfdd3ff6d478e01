"""The CI entry point runs anywhere the project is cloned beside shared/: no machine-specific path."""

from __future__ import annotations

import re
from pathlib import Path

CI_RUN = Path(__file__).resolve().parents[2] / ".ci" / "run"


def test_ci_names_the_conformance_check_relative_to_the_clone() -> None:
    script = CI_RUN.read_text(encoding="utf-8")
    commands = [line for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert any("../shared/conformance/run.sh" in line for line in commands)
    absolute = [line for line in commands if re.search(r"(?<![\w.])/(work|home|root|tmp)/", line)]
    assert absolute == [], absolute
