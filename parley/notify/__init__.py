"""Sending notifications out of Parley: mail over SMTP and signed webhook calls."""
