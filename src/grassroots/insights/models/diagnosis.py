"""The diagnosis part's models."""

__all__: list[str] = []
