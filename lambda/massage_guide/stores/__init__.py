"""Where listeners are remembered: one small adapter per store, behind the SDK interface.

Each store module imports only what it needs, so a process that uses SQLite
never loads botocore, and one that uses DynamoDB loads it on its first call.
"""
