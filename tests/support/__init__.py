"""Test helpers shared across the suite (e.g. the throwaway PostgreSQL cluster)."""
