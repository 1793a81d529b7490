"""Request handlers, grouped by what the listener is doing."""
