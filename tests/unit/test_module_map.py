"""docs/architecture.md's module map names every package and module of src/wfsync
(two levels deep; simulators, resources and migrations are named as folders)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "wfsync"


def module_map() -> str:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Module map") :]
    return section[section.index("```") : section.index("```", section.index("```") + 3)]


def test_every_module_is_on_the_map() -> None:
    text = module_map()
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if path.name == "__init__.py" or len(parts) > 2:
            continue
        if path.stem not in text:
            missing.append("/".join(parts))
    for folder in sorted(
        p for p in PACKAGE.rglob("*") if p.is_dir() and (p / "__init__.py").exists()
    ):
        parts = folder.relative_to(PACKAGE).parts
        if len(parts) <= 2 and f"{parts[-1]}/" not in text:
            missing.append("/".join(parts) + "/")
    assert missing == [], f"add to the module map in docs/architecture.md: {missing}"
