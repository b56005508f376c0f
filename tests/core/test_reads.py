"""Reads reach users only through selectors: no module of an app's API or pages cuts a queryset down by the policy
itself; it asks the app's selectors, which take the user and return what they may see."""

import ast
from pathlib import Path

import grassroots

ROOT = Path(grassroots.__file__).parent
# The policy's queryset filters: selectors call them, API and page modules do not.
POLICY_FILTERS = {"restrict", "scope_q"}
POLICY = "grassroots.core.policy"

# What must stay, each with its reason.
ALLOWED = {
    # The related fields of every app's serializers (ScopedPrimaryKey, ScopedCode) narrow whatever queryset their
    # serializer names (members, lists, organizations...) to the caller's scope: API plumbing, not a read of its own.
    "core/api.py: imports restrict from grassroots.core.policy",
    "core/api.py:_InScope.get_queryset calls restrict",
}


def _surface_modules() -> list[Path]:
    """The API and page modules of every app: `api.py`, `views.py` and their siblings by topic (`api_<topic>.py`,
    `views_<topic>.py`), and every module of an `api/` or `views/` package."""
    found = []
    for app in sorted(p for p in ROOT.iterdir() if (p / "__init__.py").exists()):
        for name in ("api", "views"):
            found.extend(sorted(app.glob(f"{name}.py")) + sorted(app.glob(f"{name}_*.py")))
            if (app / name).is_dir():
                found.extend(sorted((app / name).rglob("*.py")))
    return found


def _module_name(path: Path) -> str:
    parts = ("grassroots", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_from(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name of the module a `from ... import` reads from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


class _Finder(ast.NodeVisitor):
    def __init__(self, label: str, module: str, is_package: bool):
        self.label, self.module, self.is_package = label, module, is_package
        self.scope: list[str] = []
        self.found: list[str] = []

    def _in(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _in

    def visit_ImportFrom(self, node):
        source = _imported_from(node, self.module, self.is_package)
        for alias in node.names:
            if source == POLICY and alias.name in POLICY_FILTERS:
                self.found.append(f"{self.label}: imports {alias.name} from {source}")

    def visit_Call(self, node):  # `restrict(...)` and `policy.restrict(...)` alike
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in POLICY_FILTERS:
            self.found.append(f"{self.label}:{'.'.join(self.scope)} calls {name}")
        self.generic_visit(node)


def _policy_filters_in(source: str, label: str, module: str, is_package: bool = False) -> list[str]:
    finder = _Finder(label, module, is_package)
    finder.visit(ast.parse(source))
    return finder.found


def _surface_filters() -> list[str]:
    found = []
    for path in _surface_modules():
        label = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        found += _policy_filters_in(source, label, _module_name(path), path.name == "__init__.py")
    return found


def test_api_and_page_modules_read_only_through_selectors():
    assert sorted(set(_surface_filters()) - ALLOWED) == []


def test_every_allowed_exception_is_still_needed():
    assert sorted(ALLOWED - set(_surface_filters())) == []


def test_the_scan_covers_modules_and_packages_of_api_and_pages():
    labels = {p.relative_to(ROOT).as_posix() for p in _surface_modules()}
    assert {
        "core/api.py",
        "organizations/views.py",
        "duties/api/duties.py",
        "assessment/views/results.py",
        "accountability/views_honours.py",
    } <= labels


def test_the_check_finds_a_restriction_built_in_place():
    source = (
        "from grassroots.core.policy import Action, restrict\n"
        "from grassroots.core import policy\n"
        "class ViewSet:\n"
        "    def get_queryset(self):\n"
        "        return restrict(self.request.user, Action.VIEW, Duty.objects.all())\n"
        "def page(request):\n"
        "    return policy.scope_q(request.user, Action.VIEW, Duty)\n"
    )
    assert _policy_filters_in(source, "duties/api/x.py", "grassroots.duties.api.x") == [
        "duties/api/x.py: imports restrict from grassroots.core.policy",
        "duties/api/x.py:ViewSet.get_queryset calls restrict",
        "duties/api/x.py:page calls scope_q",
    ]


def test_the_check_resolves_relative_imports_of_the_policy():
    source = "from .policy import Action, scope_q\nfrom ..policy import restrict\n"
    assert _policy_filters_in(source, "core/api.py", "grassroots.core.api") == [
        "core/api.py: imports scope_q from grassroots.core.policy"
    ]
    assert _policy_filters_in(source, "core/api/__init__.py", "grassroots.core.api", is_package=True) == [
        "core/api/__init__.py: imports restrict from grassroots.core.policy"
    ]
