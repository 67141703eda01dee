"""practicals.graph draws micrograd graphs with matplotlib everywhere, and with graphviz when
it can render; both drawings show each value once, with one edge per use."""

import sys
import types

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from practicals import graph
from practicals.graph import draw_graph, trace


class Node:
    """The least a node needs: what micrograd's Value records, and a label."""

    def __init__(self, data, prev=(), op="", label=""):
        self.data, self.grad, self._prev, self._op, self.label = data, 0.0, set(prev), op, label

    def __add__(self, other):
        return Node(self.data + other.data, (self, other), "+")

    def __mul__(self, other):
        return Node(self.data * other.data, (self, other), "*")


def lol():
    """L = (a * b + c) * f: 4 leaves, 3 operations, 6 inputs to them."""
    a, b, c, f = (Node(v, label=n) for v, n in [(3.0, "a"), (-1.5, "b"), (2.0, "c"), (-2.0, "f")])
    e = a * b
    d = e + c
    return d * f


def diamond():
    """b = a * 2; c = a + b; d = b * c: a and b are each read twice."""
    a = Node(3.0, label="a")
    b = a * Node(2.0)
    c = a + b
    return b * c


def by_gid(fig, gid):
    return [p for p in fig.axes[0].patches if p.get_gid() == gid]


@pytest.mark.parametrize(
    ("build", "values", "ops", "inputs"),
    [(lol, 7, 3, 6), (diamond, 5, 3, 6), (lambda: Node(1.0, label="x"), 1, 0, 0)],
    ids=["lol", "diamond", "leaf"],
)
def test_matplotlib_draws_a_box_per_value_a_node_per_operation_and_an_arrow_per_edge(
    build, values, ops, inputs
):
    fig = draw_graph(build(), backend="matplotlib")
    assert isinstance(fig, Figure)
    assert len(by_gid(fig, "node")) == values
    assert len(by_gid(fig, "op")) == ops
    assert len(by_gid(fig, "edge")) == inputs + ops  # each input to its op, each op to its value


def test_a_node_used_twice_is_drawn_once_with_an_edge_per_use():
    a = Node(3.0, label="a")
    square = a * a  # _prev holds a once: one box for a, one arrow into the *
    nodes, edges = trace(square)
    assert len(nodes) == 2 and len(edges) == 1
    root = diamond()
    nodes, edges = trace(root)
    assert len({id(n) for n in nodes}) == len(nodes) == 5
    assert sum(1 for child, _ in edges if child.label == "a") == 2


def test_the_boxes_show_label_data_and_grad():
    root = lol()
    root.grad = 1.0
    texts = [t.get_text() for t in draw_graph(root, backend="matplotlib").axes[0].texts]
    assert "data 5.0000\ngrad 1.0000" in texts
    assert "a\ndata 3.0000\ngrad 0.0000" in texts
    assert sorted(t for t in texts if "\n" not in t) == ["*", "*", "+"]


def test_inputs_sit_left_of_what_they_feed_and_no_two_boxes_overlap():
    root = diamond()
    nodes, x, y = graph._layout(root)
    for child, parent in trace(root)[1]:
        assert x[id(child)] < x[id(parent)]
    centres = [(x[id(n)], y[id(n)]) for n in nodes]
    for i, (x1, y1) in enumerate(centres):
        for x2, y2 in centres[i + 1 :]:
            assert abs(x1 - x2) >= graph._BOX_W or abs(y1 - y2) >= graph._BOX_H


def test_a_drawing_leaves_pyplot_alone_so_a_notebook_shows_it_once():
    before = plt.get_fignums()
    draw_graph(lol(), backend="matplotlib")
    assert plt.get_fignums() == before


def test_auto_falls_back_to_matplotlib_without_dot(monkeypatch):
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    assert not graph.graphviz_available()
    assert isinstance(draw_graph(lol()), Figure)


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="backend"):
        draw_graph(lol(), backend="ascii")


class FakeDigraph:
    """Records what graphviz.Digraph is asked to draw, for machines without graphviz."""

    def __init__(self, format=None, graph_attr=None):
        self.format, self.graph_attr, self.nodes, self.edges = format, graph_attr, {}, []

    def node(self, name, label, shape):
        self.nodes[name] = (label, shape)

    def edge(self, tail, head):
        self.edges.append((tail, head))


def test_the_graphviz_drawing_has_a_record_per_value_and_an_ellipse_per_operation(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", types.SimpleNamespace(Digraph=FakeDigraph))
    root = lol()
    root.label = "L|{x}"  # record-label syntax must be escaped, not interpreted
    dot = draw_graph(root, backend="graphviz")
    shapes = [shape for _, shape in dot.nodes.values()]
    assert shapes.count("record") == 7 and shapes.count("ellipse") == 3
    assert len(dot.edges) == 6 + 3
    assert dot.graph_attr == {"rankdir": "LR"}
    assert "{ L\\|\\{x\\} | data 5.0000 | grad 0.0000 }" in [lb for lb, _ in dot.nodes.values()]
    names = set(dot.nodes)
    assert all(tail in names and head in names for tail, head in dot.edges)


def test_graphviz_renders_when_installed():
    pytest.importorskip("graphviz")
    if not graph.graphviz_available():
        pytest.skip("the graphviz package is installed but its dot program is not")
    dot = draw_graph(diamond())
    svg = dot.pipe(format="svg").decode()
    assert svg.count('class="node"') == 5 + 3
    assert svg.count('class="edge"') == 6 + 3
