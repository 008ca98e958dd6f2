"""Write docs/checks.md, the catalogue of `dashgen check`'s rules, from the rules themselves.

    python scripts/checks_doc.py

tests/test_docs.py fails when the file is not what this writes."""

from pathlib import Path

from dashgen import report, rules

CATALOGUE = Path(__file__).resolve().parent.parent / "docs" / "checks.md"

if __name__ == "__main__":
    CATALOGUE.write_text(report.catalogue_markdown(rules.all_rules()), encoding="utf-8")
    print(f"wrote {CATALOGUE}")
