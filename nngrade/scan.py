"""Static scan of a submission for tampering with the grading machinery.

Test cells compare a student's answer with NumPy and the ``nnref.grading`` helpers, all
living in the student's own kernel. A student who replaces ``np.allclose`` or a grading
helper by something that always agrees would pass every test, so each code cell the
student could edit is parsed (outside the kernel, where the student cannot interfere)
and these constructs are reported:

- assigning or deleting an attribute of an imported module, or of a name bound to one
  (``np.allclose = ...``, ``grading.assert_close = ...``, ``t = np.testing; t.x = ...``),
  or of anything that is not a plain name (``getattr(np, "testing").x = ...``);
- handing a module to other code (``f(np)``, ``[np]``), where it could be changed unseen;
- rebinding at top level a name that a locked cell imported or defined, which the tests
  rely on (``def check_derivative(*args): pass``, ``np = FakeNumPy()``);
- ``setattr``/``delattr``/``exec``/``eval``/``compile``/``__import__`` calls;
- modules that reach into the interpreter (``builtins``, ``ctypes``, ``gc``, ``importlib``,
  ``inspect``, ``unittest.mock``) and ``sys.modules``, ``sys.settrace`` and the like;
- dunder attributes used to get around the rules (``__dict__``, ``__class__``, ``__code__``,
  ``__globals__``, ``__builtins__``, ``__subclasses__``...).

A finding costs the notebook its automatic points and flags it for manual review: a
false alarm is fixed by the instructor in a minute, a silent pass never is. Cells that
do not parse (students' syntax errors) are left to the autograder.
"""
import ast
from dataclasses import dataclass

FORBIDDEN_CALLS = {"setattr", "delattr", "exec", "eval", "compile", "__import__", "globals", "vars"}
FORBIDDEN_MODULES = {"builtins", "ctypes", "gc", "importlib", "inspect", "unittest", "mock"}
# sys is fine for printing to stderr; these parts of it rewrite the interpreter.
FORBIDDEN_SYS = {"modules", "meta_path", "path_hooks", "settrace", "setprofile", "_getframe"}
SUBMODULES = {"testing", "linalg", "random", "fft", "grading", "activations", "losses", "layers",
              "gradcheck", "optimizers", "initializers"}
FORBIDDEN_DUNDERS = {"__dict__", "__class__", "__code__", "__globals__", "__builtins__",
                     "__subclasses__", "__bases__", "__mro__", "__closure__", "__defaults__",
                     "__kwdefaults__", "__setattr__", "__delattr__", "__getattribute__"}


@dataclass(frozen=True)
class Finding:
    """One suspicious construct: where it is and what it does."""

    cell: str      # nbgrader grade_id of the cell, or "cell <index>"
    line: int
    message: str

    def __str__(self):
        return f"{self.cell}, line {self.line}: {self.message}"


def _root_name(node):
    """``np`` for ``np.testing.assert_allclose``; None when the chain starts elsewhere."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


class _Scanner(ast.NodeVisitor):
    """Visits one cell. ``modules`` (names bound to modules) and ``protected`` (names that
    locked cells import or define -> what they are bound to) carry over between cells."""

    def __init__(self, modules, protected, locked):
        self.modules, self.protected, self.locked = modules, protected, locked
        self.problems = []
        self.depth = 0  # > 0 inside a function or class body, where names are local

    def _report(self, node, message):
        self.problems.append((node.lineno, message))

    def _bind(self, node, name, what):
        """A top-level binding of ``name`` to ``what`` (a module path, or None for anything else)."""
        if self.depth:
            return
        if self.locked:
            self.protected[name] = what
        elif name in self.protected and (what is None or self.protected[name] != what):
            self._report(node, f"rebinds {name!r}, which the notebook's locked cells provide "
                               "and the tests rely on")

    def visit_Import(self, node):
        for alias in node.names:
            self._check_module(node, alias.name)
            name = (alias.asname or alias.name).split(".")[0]
            self.modules.add(name)
            self._bind(node, name, alias.name if alias.asname else name)

    def visit_ImportFrom(self, node):
        self._check_module(node, node.module or "")
        for alias in node.names:
            # `from nnref import grading`, `from numpy import testing`: may be modules.
            self.modules.add(alias.asname or alias.name)
            self._bind(node, alias.asname or alias.name, f"{node.module}.{alias.name}")

    def _visit_scope(self, node):
        self._bind(node, node.name, None)
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_scope

    def visit_Lambda(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def visit_Global(self, node):
        for name in node.names:
            if name in self.protected and not self.locked:
                self._report(node, f"declares {name!r} global, which the tests rely on")

    def _check_module(self, node, name):
        if set(name.split(".")) & FORBIDDEN_MODULES:
            self._report(node, f"imports {name!r}, which can change the interpreter the tests run in")

    def visit_Assign(self, node):
        for target in node.targets:
            self._check_target(target, "assigns to")
        # `t = np` or `t = np.testing` makes `t` a module alias.
        value = node.value
        if (isinstance(value, ast.Name) and value.id in self.modules) or (
                isinstance(value, ast.Attribute) and value.attr in SUBMODULES
                and _root_name(value) in self.modules):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.modules.add(target.id)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._check_target(node.target, "assigns to")
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            self._check_target(target, "deletes")
        self.generic_visit(node)

    def _check_target(self, target, verb):
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._check_target(element, verb)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            root = _root_name(target.value if isinstance(target, ast.Subscript) else target)
            if root in self.modules:
                self._report(target, f"{verb} {ast.unparse(target)!r}, a part of an imported module")
            elif root is None and isinstance(target, ast.Attribute):
                self._report(target, f"{verb} {ast.unparse(target)!r}, an attribute of a computed object")

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            self._report(node, f"calls {node.func.id}()")
        self._check_escape(node, [*node.args, *(k.value for k in node.keywords)], "passes")
        self.generic_visit(node)

    def _check_escape(self, node, values, verb):
        """A module handed to a function or put in a container can be changed out of sight."""
        for value in values:
            if isinstance(value, ast.Name) and value.id in self.modules and not self.locked:
                self._report(node, f"{verb} the module {value.id!r} to other code")

    def visit_List(self, node):
        self._check_escape(node, node.elts, "puts")
        self.generic_visit(node)

    visit_Tuple = visit_Set = visit_List

    def visit_Dict(self, node):
        self._check_escape(node, node.values, "puts")
        self.generic_visit(node)

    def visit_NamedExpr(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in self.modules:
            self.modules.add(node.target.id)
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in FORBIDDEN_DUNDERS:
            self._report(node, f"uses {node.attr}")
        elif node.attr in FORBIDDEN_SYS and _root_name(node) == "sys":
            self._report(node, f"uses sys.{node.attr}")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in FORBIDDEN_DUNDERS:
            self._report(node, f"uses {node.id}")
        if isinstance(node.ctx, (ast.Store, ast.Del)) and not self.locked:
            self._bind(node, node.id, None)  # a locked cell's variables are not protected


def _parse(cell):
    """The cell's syntax tree (IPython magics and shell escapes blanked out), or None."""
    source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                       for line in cell.source.splitlines())
    try:
        return ast.parse(source)
    except SyntaxError:
        return None  # a student's syntax error: the autograder reports it


def scan_notebook(nb):
    """Findings in the code cells of a notebook (``nbformat`` node) that the student could edit.

    Locked cells are restored from the gradebook before grading, so edits there do not
    matter; their imports tell which names are modules, and what they import or define
    is protected from rebinding.
    """
    module_names, protected, findings = set(), {}, []
    for index, cell in enumerate(nb.cells):
        tree = _parse(cell) if cell.cell_type == "code" else None
        if tree is None:
            continue
        meta = cell.metadata.get("nbgrader", {})
        locked = bool(meta.get("locked")) and not meta.get("solution")
        scanner = _Scanner(module_names, protected, locked)
        scanner.visit(tree)
        if not locked:
            name = meta.get("grade_id", f"cell {index}")
            findings += [Finding(name, line, message) for line, message in scanner.problems]
    return findings
