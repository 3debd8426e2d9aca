"""The domain core of incidentbot: models, policies, timeline and documents.

Nothing here imports Slack, aiohttp or the scheduler; adapters in `bot/` do.
"""
