"""Developer and operator commands that are not part of any service (not in the image)."""
