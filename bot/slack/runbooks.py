"""Runbooks rendered for an incident's system, shared by the triage listener (opening one)
and its delivery (posting it)."""

from __future__ import annotations

from jinja2 import Environment

from bot.container import Runtime
from incidents.models import Incident
from incidents.templating import make_environment
from incidents.triage import runbooks


class Runbooks:
    """Renders runbooks for an incident's system through the one template environment."""

    def __init__(self, runtime: Runtime) -> None:
        self.bot = runtime
        self._env: Environment | None = None

    @property
    def env(self) -> Environment:
        if self._env is None:
            self._env = make_environment(self.bot.catalog.templates_dir)
        return self._env

    def names(self, incident: Incident) -> list[str]:
        return runbooks.available(self.bot.catalog.systems.get(incident.system))

    def load(self, incident: Incident, name: str) -> runbooks.Runbook:
        """Raises UnknownRunbook, or TemplateError/OSError for a broken override."""
        if name not in self.names(incident):
            raise runbooks.UnknownRunbook(name)
        system = self.bot.catalog.systems.get(incident.system)
        client = self.bot.catalog.client_for(incident.system)
        ctx = runbooks.template_context(incident=incident, system_key=incident.system,
                                        system=system, client_name=client.name if client else None)
        return runbooks.render(name, env=self.env, system=system, context=ctx)

    def find(self, incident: Incident, text: str) -> str | None:
        """A runbook of the incident's system by name, or by words of its title."""
        return runbooks.find(self.names(incident), text)
