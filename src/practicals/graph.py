"""Draw the computation graph behind a scalar, the way micrograd records it.

A node is anything with ``data``, ``grad``, ``_prev`` (the nodes it was computed from) and
``_op`` (the operation that produced it, "" for a leaf), and optionally a ``label``: the
notebooks' own ``Value`` class, whatever its methods. Seeing the graph, with each node's value
and gradient, is what makes backpropagation concrete, so the drawing must work everywhere:
graphviz draws it when both its Python package and its ``dot`` program are installed, and
matplotlib (always there) draws it otherwise.
"""

from __future__ import annotations

import importlib.util
import shutil
from typing import Any

Node = Any  # duck-typed: data, grad, _prev, _op and an optional label


def trace(root: Node) -> tuple[list[Node], list[tuple[Node, Node]]]:
    """Every node that ``root`` depends on, and every (child, parent) edge, each exactly once.

    Nodes are kept by identity, so a node that feeds several operations (``a * a``, a diamond)
    appears once, with one edge per operation it feeds.
    """
    nodes: list[Node] = []
    edges: list[tuple[Node, Node]] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        for child in _children(node):
            edges.append((child, node))
            stack.append(child)
    return nodes, edges


def graphviz_available() -> bool:
    """Whether graphviz can draw: its Python package alone cannot render without ``dot``."""
    return importlib.util.find_spec("graphviz") is not None and shutil.which("dot") is not None


def draw_graph(root: Node, backend: str = "auto", fmt: str = "svg") -> Any:
    """Draw the graph that produced ``root``, left (inputs) to right (``root``).

    Each value is a box with its label, data and grad; each operation is a small node of its
    own between its operands and its result. ``backend`` is "graphviz", "matplotlib" or "auto"
    (graphviz when it can render, matplotlib otherwise). Returns a ``graphviz.Digraph`` or a
    matplotlib ``Figure``; either one displays itself when it ends a notebook cell.
    """
    if backend not in ("auto", "graphviz", "matplotlib"):
        raise ValueError(f"backend must be 'auto', 'graphviz' or 'matplotlib', not {backend!r}")
    if backend == "graphviz" or (backend == "auto" and graphviz_available()):
        return _draw_graphviz(root, fmt)
    return _draw_matplotlib(root)


def _children(node: Node) -> list[Node]:
    """The node's inputs in a stable order (``_prev`` is often a set), so drawings repeat."""
    return sorted(node._prev, key=lambda c: (_label(c), float(c.data), id(c)))


def _label(node: Node) -> str:
    return str(getattr(node, "label", "") or "")


def _text(node: Node) -> str:
    lines = [_label(node)] if _label(node) else []
    return "\n".join([*lines, f"data {node.data:.4f}", f"grad {node.grad:.4f}"])


def _draw_graphviz(root: Node, fmt: str) -> Any:
    import graphviz

    def escape(text: str) -> str:  # characters that mean something in a record label
        for ch in "\\{}|<>":
            text = text.replace(ch, "\\" + ch)
        return text

    nodes, edges = trace(root)
    dot = graphviz.Digraph(format=fmt, graph_attr={"rankdir": "LR"})
    for node in nodes:
        uid = str(id(node))
        fields = [escape(_label(node))] if _label(node) else []
        fields += [f"data {node.data:.4f}", f"grad {node.grad:.4f}"]
        dot.node(uid, label="{ " + " | ".join(fields) + " }", shape="record")
        if node._op:
            dot.node(uid + "op", label=str(node._op), shape="ellipse")
            dot.edge(uid + "op", uid)
    for child, parent in edges:
        dot.edge(str(id(child)), str(id(parent)) + ("op" if parent._op else ""))
    return dot


# Layout of the matplotlib drawing, in data units: a column per depth, value boxes and op circles.
_COLUMN, _ROW = 2.3, 1.05
_BOX_W, _BOX_H, _OP_R = 1.45, 0.8, 0.25
_INCH = 0.8  # inches per data unit: the 8-point text fits the boxes


def _postorder(root: Node) -> list[Node]:
    """Every node once, each after all of its inputs (a topological order), without recursion."""
    order: list[Node] = []
    done: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in done:
            continue
        if expanded:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))
    return order


def _layout(root: Node) -> tuple[list[Node], dict[int, float], dict[int, float]]:
    """Nodes and their centres. Columns: a node one right of its deepest input, a leaf one left
    of the earliest operation that reads it. Heights: leaves in the order a walk from the root
    meets them, other nodes at the mean height of their inputs, nudged down until none overlap."""
    order = _postorder(root)
    depth: dict[int, int] = {}
    y: dict[int, float] = {}
    leaves = 0
    for node in order:
        if node._prev:
            depth[id(node)] = 1 + max(depth[id(c)] for c in node._prev)
            y[id(node)] = sum(y[id(c)] for c in node._prev) / len(node._prev)
        else:
            depth[id(node)], y[id(node)] = 0, -float(leaves)
            leaves += 1
    readers: dict[int, list[int]] = {}
    for parent in order:
        for child in parent._prev:
            readers.setdefault(id(child), []).append(depth[id(parent)])
    for node in order:  # a leaf moves right, next to the first operation that reads it
        if not node._prev and id(node) in readers:
            depth[id(node)] = min(readers[id(node)]) - 1
    columns: dict[int, list[Node]] = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    for column in columns.values():
        column.sort(key=lambda n: -y[id(n)])
        for above, below in zip(column, column[1:], strict=False):
            y[id(below)] = min(y[id(below)], y[id(above)] - 1.0)
    xs = {k: d * _COLUMN for k, d in depth.items()}
    return order, xs, {k: v * _ROW for k, v in y.items()}


def _draw_matplotlib(root: Node) -> Any:
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

    _, edges = trace(root)
    nodes, x, rows = _layout(root)
    op_x = {id(n): x[id(n)] - _COLUMN / 2 for n in nodes if n._op}

    left, right = -_BOX_W / 2 - 0.1, max(x.values()) + _BOX_W / 2 + 0.1
    bottom, top = min(rows.values()) - _BOX_H / 2 - 0.1, max(rows.values()) + _BOX_H / 2 + 0.1
    # A Figure made without pyplot: a notebook shows it once, as the cell's value.
    fig = Figure(figsize=(_INCH * (right - left), _INCH * (top - bottom)))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.axis("off")

    def arrow(start: tuple[float, float], end: tuple[float, float]) -> None:
        patch = FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=10,
            color="0.35",
            linewidth=1.0,
            shrinkA=0,
            shrinkB=1,
        )
        patch.set_gid("edge")
        ax.add_patch(patch)

    for node in nodes:
        cx, cy = x[id(node)], rows[id(node)]
        leaf = not node._prev
        box = FancyBboxPatch(
            (cx - _BOX_W / 2, cy - _BOX_H / 2),
            _BOX_W,
            _BOX_H,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor="#e8f0fb" if leaf else "#fdf3e1",
            edgecolor="0.3",
        )
        box.set_gid("node")
        ax.add_patch(box)
        ax.text(cx, cy, _text(node), ha="center", va="center", fontsize=8, family="monospace")
        if node._op:
            ox = op_x[id(node)]
            circle = Circle((ox, cy), _OP_R, facecolor="white", edgecolor="0.3")
            circle.set_gid("op")
            ax.add_patch(circle)
            op = str(node._op)
            ax.text(ox, cy, op, ha="center", va="center", fontsize=8 if len(op) <= 4 else 6)
            arrow((ox + _OP_R, cy), (cx - _BOX_W / 2, cy))
    for child, parent in edges:
        start = (x[id(child)] + _BOX_W / 2, rows[id(child)])
        if parent._op:
            end = (op_x[id(parent)] - _OP_R, rows[id(parent)])
        else:
            end = (x[id(parent)] - _BOX_W / 2, rows[id(parent)])
        arrow(start, end)
    return fig
