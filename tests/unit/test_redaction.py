"""Secrets out of what endpoints and data sources answer (incidents/redaction.py)."""

from incidents.redaction import REDACTED, redact, secrets_of

ENV = {"TOKEN": "tok-abcdef123456"}


def test_configured_values_and_credential_shapes_are_redacted():
    secrets = secrets_of(["Bearer ${TOKEN}", "plain-key-9876"], ENV)
    echoed = ('{"Authorization": "Bearer tok-abcdef123456", "X-Api-Key": "plain-key-9876", '
              '"Other": "tok-abcdef123456"} postgresql://u:hunter22@db/x password=pw1 ok')
    shown = redact(echoed, secrets=secrets)
    for secret in ("tok-abcdef123456", "plain-key-9876", "hunter22", "pw1"):
        assert secret not in shown
    assert shown.endswith(" ok") and "postgresql://u:" in shown and REDACTED in shown
