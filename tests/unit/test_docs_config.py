"""docs/configuration.md lists every setting, with the default the code really has.

When a field is added to shared/settings.py, this fails until the table has its row;
`python -m tests.unit.test_docs_config` prints rows for the missing fields, to fill in.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import SecretStr

from shared.settings import REPO_ROOT, Settings

DOC = REPO_ROOT / "docs" / "configuration.md"
ROW = re.compile(r"^\|\s*`([A-Z0-9_]+)`\s*\|\s*([^|]*?)\s*\|")


def rendered_default(name: str) -> str:
    """The default as the table shows it (paths relative to the checkout, secrets in clear:
    they are development defaults, not secrets)."""
    value = Settings.model_fields[name].get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, Path):
        value = "<repo>/" + str(value.relative_to(REPO_ROOT)) if value.is_relative_to(REPO_ROOT) else str(value)
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, list):
        return "`" + ",".join(str(v) for v in value) + "`" if value else "empty"
    return f"`{value}`"


def documented() -> dict[str, str]:
    rows: dict[str, str] = {}
    for line in DOC.read_text().splitlines():
        match = ROW.match(line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_every_setting_is_documented_with_its_default() -> None:
    rows = documented()
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in rows]
    assert not missing, f"docs/configuration.md lacks {missing}; run `python -m tests.unit.test_docs_config`"
    wrong = {
        name.upper(): (rows[name.upper()], rendered_default(name))
        for name in Settings.model_fields
        if rows[name.upper()] != rendered_default(name)
    }
    assert not wrong, f"documented default differs from the code (doc, code): {wrong}"


def test_no_documented_variable_is_unknown() -> None:
    unknown = [name for name in documented() if name.lower() not in Settings.model_fields]
    assert not unknown, f"docs/configuration.md documents variables Settings does not read: {unknown}"


if __name__ == "__main__":
    rows = documented()
    for field in Settings.model_fields:
        if field.upper() not in rows:
            print(f"| `{field.upper()}` | {rendered_default(field)} | | |")
