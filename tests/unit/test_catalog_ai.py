"""The catalog's AI-system keys: `model`, `contract` (client and system) and `obligations`."""

from pathlib import Path

import pytest

from incidents.catalog import CatalogError, load_catalog

BASE = """\
clients:
  acme-bank:
    name: Acme Bank
    contract: {accuracy: {min: 0.80}, false_positive_rate: {max: 0.05}}
systems:
  fraud-detector:
    client: acme-bank
"""


def load(tmp_path: Path, extra: str = ""):
    path = tmp_path / "incidentbot.yml"
    path.write_text(BASE + extra)  # `extra` is indented as keys of the system
    return load_catalog(path)


def test_a_system_without_the_keys_has_no_model_obligations_or_own_contract(tmp_path):
    path = tmp_path / "incidentbot.yml"
    path.write_text("systems:\n  plain: {}\n")
    catalog = load_catalog(path)

    plain = catalog.system("plain")
    assert plain.model is None and plain.obligations is None and plain.contract == {}
    assert catalog.contract_for("plain") == {}
    assert catalog.contract_for("no-such-system") == {}


def test_the_system_contract_wins_metric_by_metric_over_the_clients(tmp_path):
    catalog = load(tmp_path,
                   "    contract: {accuracy: {min: 0.90}, recall: {min: 0.7, max: 1.0}}\n")

    bounds = catalog.contract_for("fraud-detector")
    assert bounds["accuracy"].min == 0.90  # the system's own
    assert bounds["false_positive_rate"].max == 0.05  # inherited from the client
    assert (bounds["recall"].min, bounds["recall"].max) == (0.7, 1.0)


def test_model_registry_defaults_to_mlflow_and_the_champion_alias(tmp_path):
    catalog = load(tmp_path, (
        '    model: {tracking_uri: "http://127.0.0.1:5000/", name: fraud-detector,\n'
        '            headers: {Authorization: "Bearer ${MLFLOW_TOKEN}"}}\n'))

    model = catalog.system("fraud-detector").model
    assert (model.registry, model.alias, model.name) == ("mlflow", "champion", "fraud-detector")
    assert model.tracking_uri == "http://127.0.0.1:5000"
    assert model.headers == {"Authorization": "Bearer ${MLFLOW_TOKEN}"}  # not expanded


def test_obligations_are_read_from_the_yaml_list(tmp_path):
    catalog = load(tmp_path, "    obligations: [{eu_ai_act: {role: deployer}}, gdpr, nis2]\n")

    obligations = catalog.system("fraud-detector").obligations
    assert obligations.eu_ai_act.role == "deployer"
    assert obligations.gdpr and obligations.nis2
    assert obligations.regulations == ["eu_ai_act", "gdpr", "nis2"]


@pytest.mark.parametrize(("extra", "reason"), [
    ("    obligations: [eu_ai_act]\n", "needs the organisation's role"),
    ("    obligations: [{eu_ai_act: {role: importer}}]\n", "provider"),
    ("    obligations: [hipaa]\n", "hipaa"),
    ("    contract: {accuracy: {}}\n", "give min, max or both"),
    ("    contract: {accuracy: {min: 0.9, max: 0.8}}\n", "min is above max"),
    ("    model: {tracking_uri: mlflow.example, name: x}\n", "not an http(s) URL"),
    ("    model: {tracking_uri: 'https://mlflow.example', name: x, stage: Production}\n",
     "stage"),
])
def test_bad_ai_keys_fail_with_the_line_and_reason(tmp_path, extra, reason):
    with pytest.raises(CatalogError) as caught:
        load(tmp_path, extra)

    message = str(caught.value)
    assert "incidentbot.yml:" in message and reason in message
