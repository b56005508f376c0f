"""What the appeals part registers when Django starts: policy scopes, audit action names, diagnosis checks."""


def ready() -> None:
    pass
