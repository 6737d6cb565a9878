"""A rule set crosses process boundaries (simulate --compare, Dask) after its lookups were used."""

import pickle
from pathlib import Path

from engine.rulefile.loader import load_rules

RULES = Path(__file__).resolve().parents[2] / "rules" / "cdiscount.yaml"


def test_a_rule_set_pickles_after_its_lookups_were_built() -> None:
    rules = load_rules(RULES)
    assert rules.vocabulary["delivery_mode"]["suivi"] == "TRK"  # builds the cached proxies
    field = rules.field_by_name["delivery_mode"]
    assert field.canonical("Recommandé") == "REG"
    again = pickle.loads(pickle.dumps(rules))
    assert again == rules
    assert again.vocabulary["delivery_mode"]["suivi"] == "TRK"
    assert again.field_by_name["delivery_mode"].canonical("Recommandé") == "REG"
