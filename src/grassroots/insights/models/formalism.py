"""The formalism part's models."""

__all__: list[str] = []
