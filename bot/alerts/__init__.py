"""Alert webhooks: Alertmanager, Grafana and the generic JSON schema."""
