"""The appeals part's models."""

__all__: list[str] = []
