"""Use cases that need the database (or another process): they call the pure domain and storage's queries.

Telegram-free like the domain; a dialogue or the command line calls them, they return plain results.
"""
