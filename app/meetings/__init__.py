"""Meetings: breakfast meetings and meeting series."""
