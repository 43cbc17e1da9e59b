"""A partner's exit from the program as a durable workflow (see docs/exit.md)."""
