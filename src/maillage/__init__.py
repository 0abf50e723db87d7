"""Maillage: software for a city's social-impact ecosystem (Montréal first)."""

__version__ = "0.1.0"
