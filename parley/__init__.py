"""Parley: partner Rules of Engagement as durable, audited processes."""
