"""trailq: named CloudWatch Logs Insights queries over CloudTrail events."""

__version__ = "0.1.0"
