"""Benchmarks: cold start and warm latency beside the ASK SDK patterns, and the web service."""
