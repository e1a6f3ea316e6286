"""The NLU data as a contract: intents match the taxonomy, held-out never leaks into training."""

import json

import pytest
import yaml

from bot.intents import load_taxonomy
from bot.nlu import families
from bot.nlu.training_data import language_files, read_examples
from bot.paths import project_root

NLU = project_root() / "nlu_data"
SHARED = project_root().parent / "shared" / "intents.yaml"


def test_taxonomy_copy_matches_the_shared_contract() -> None:
    if not SHARED.exists():
        pytest.skip("the shared contract ../shared/intents.yaml lives outside the repository")
    assert yaml.safe_load(SHARED.read_text()) == yaml.safe_load((NLU / "intents.yaml").read_text())


def test_domain_lists_exactly_the_taxonomy_intents() -> None:
    domain = yaml.safe_load((NLU / "domain.yml").read_text())
    assert domain["intents"] == load_taxonomy(NLU / "intents.yaml").names()


@pytest.mark.parametrize("code", sorted(language_files(NLU / "data" / "nlu")))
def test_every_language_file_covers_every_intent(code: str) -> None:
    names = set(load_taxonomy(NLU / "intents.yaml").names())
    training = {intent for _t, intent in read_examples(NLU / "data" / "nlu" / f"{code}.yml")}
    heldout = {intent for _t, intent in read_examples(NLU / "heldout" / f"{code}.yml")}
    assert training == names
    assert heldout == names


def test_no_heldout_example_is_in_the_training_data() -> None:
    training = {
        t.lower() for p in (NLU / "data" / "nlu").glob("*.yml") for t, _i in read_examples(p)
    }
    leaked = [
        t
        for p in (NLU / "heldout").glob("*.yml")
        for t, _i in read_examples(p)
        if t.lower() in training and len(t.split()) > 2
    ]
    assert leaked == []


def test_languages_in_scope() -> None:
    codes = set(language_files(NLU / "data" / "nlu"))
    assert codes == {
        "en",
        "ne",
        "ne-latn",
        "bn",
        "bn-latn",
        "id",
        "ms",
        "tl",
        "km",
        "my",
        "ur",
        "ur-latn",
        "hi",
        "hi-latn",
        "si",
        "vi",
    }


def test_baseline_exists_for_the_regression_test() -> None:
    baseline = json.loads((NLU / "baseline.json").read_text())
    assert {"all", "en", "ne"} <= set(baseline)


def test_no_example_is_labelled_with_two_intents_across_languages() -> None:
    labels: dict[str, set[str]] = {}
    for path in (NLU / "data" / "nlu").glob("*.yml"):
        for text, intent in read_examples(path):
            labels.setdefault(text.lower(), set()).add(intent)
    assert {t: v for t, v in labels.items() if len(v) > 1} == {}


@pytest.mark.parametrize("code", sorted(language_files(NLU / "heldout")))
def test_script_routing_sends_each_language_to_its_family_model(code: str) -> None:
    texts = [t for t, _i in read_examples(NLU / "heldout" / f"{code}.yml")]
    routed = [families.family_of_text(t) == families.family_of_code(code) for t in texts]
    assert sum(routed) / len(routed) > 0.97, code
