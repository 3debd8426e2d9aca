"""Every table of the database in one place, for the migrations (bot/migrations/env.py) and
the test that compares them with the models: importing this module registers the shared
tables (incidents/models.py) and each feature's own (`<feature>/models.py`) on
`SQLModel.metadata`. Nothing else imports it: a feature imports the tables it uses."""

from sqlmodel import SQLModel

from incidents import models
from incidents.comms import models as comms
from incidents.drift import models as drift
from incidents.drills import models as drills
from incidents.oncall import models as oncall
from incidents.registry import models as registry
from incidents.regulatory import models as regulatory
from incidents.review import models as review

MODULES = (models, comms, drift, drills, oncall, registry, regulatory, review)
metadata = SQLModel.metadata
