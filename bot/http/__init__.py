"""aiohttp routes: health, metrics, alert webhooks."""
