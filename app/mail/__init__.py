"""Outgoing mail: templates, the durable outbox, the worker and the development mail page."""
