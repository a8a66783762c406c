"""What every service shares: configuration, persistence, the event backbone, HTTP pieces."""
