import pytest

from incidents.catalog.env_refs import MissingVariable, expand


def test_references_are_replaced_and_other_dollar_signs_left_alone():
    environ = {"USER_NAME": "reader", "PASSWORD": "pa$$"}
    assert expand("postgresql://${USER_NAME}:${PASSWORD}@db/x", environ) == \
        "postgresql://reader:pa$$@db/x"
    assert expand("cost is $5 or ${ not a reference", environ) == "cost is $5 or ${ not a reference"


def test_an_unset_variable_is_named():
    with pytest.raises(MissingVariable) as missing:
        expand("Bearer ${MLOPS_TOKEN}", {})
    assert missing.value.name == "MLOPS_TOKEN"
