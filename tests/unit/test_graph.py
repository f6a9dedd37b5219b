"""The network picture and measures (app.connections.graph) and the small charts
(app.connections.charts): pure, deterministic, valid XML."""

from xml.dom import minidom

import pytest

from app.connections.charts import bar_chart_svg, line_chart_svg
from app.connections.graph import (
    CHAR_WIDTH,
    LABEL_HEIGHT,
    Edge,
    Node,
    SvgWords,
    layout,
    measure,
    network_svg,
    place_labels,
    short_labels,
)


def parse(svg: str):
    return minidom.parseString(svg)  # noqa: S318 (our own output)


def people(count: int, newcomers=()) -> list[Node]:
    return [Node(i, f"Person{i} Efternavn{i}", "Byggeri", i in newcomers) for i in range(1, count + 1)]


# A path 1-2-3-4, a pair 5-6 and 7 on its own.
NODES = people(7, newcomers={4})
EDGES = [Edge(1, 2, 1.0), Edge(2, 3, 0.5), Edge(3, 4, 2.0), Edge(5, 6, 1.0)]


def test_measures_on_a_small_graph():
    m = measure(NODES, EDGES)
    assert (m.members, m.pairs, m.met_pairs) == (7, 21, 4)
    assert m.share_met == pytest.approx(4 / 21)
    assert m.components == [[1, 2, 3, 4], [5, 6], [7]]
    assert m.isolated == [7]
    assert m.degree == {1: 1, 2: 2, 3: 2, 4: 1, 5: 1, 6: 1, 7: 0}
    # 2 and 3 sit on the paths between the ends of the path; nobody else bridges anything.
    assert [node for node, _value in m.connectors] == [2, 3]


def test_a_star_has_one_connector_and_a_complete_graph_none():
    star = measure(people(5), [Edge(1, i) for i in range(2, 6)])
    assert [node for node, _v in star.connectors] == [1] and star.isolated == []
    complete = measure(people(4), [Edge(a, b) for a in range(1, 5) for b in range(a + 1, 5)])
    assert complete.connectors == [] and complete.share_met == 1.0 and len(complete.components) == 1


def test_empty_and_single_member_networks():
    assert measure([], []).share_met == 0.0
    one = measure(people(1), [])
    assert (one.pairs, one.isolated, one.connectors) == (0, [1], [])
    parse(network_svg([], []))
    parse(network_svg(people(1), []))


def test_edges_to_unknown_members_self_loops_and_duplicates_are_ignored_or_merged():
    m = measure(people(3), [Edge(1, 9), Edge(2, 2), Edge(1, 2, 1.0), Edge(2, 1, 0.5)])
    assert m.met_pairs == 1 and m.degree[1] == 1


def test_layout_is_deterministic_and_inside_the_unit_square():
    first = layout(NODES, EDGES, seed=3)
    assert first == layout(list(reversed(NODES)), list(reversed(EDGES)), seed=3)
    assert set(first) == {n.id for n in NODES}
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in first.values())
    # The isolated member is put on the bottom row, away from the others.
    assert first[7][1] == 1.0 and all(first[n][1] <= 0.82 for n in range(1, 7))


def test_svg_is_valid_stable_and_accessible():
    words = SvgWords(title="Netværket", description="Hvem har mødt hvem",
                     met_count="{name}: har mødt {count}")
    svg = network_svg(NODES, EDGES, words=words, seed=5)
    assert svg == network_svg(NODES, EDGES, words=words, seed=5)
    doc = parse(svg)
    root = doc.documentElement
    assert root.getAttribute("role") == "img" and root.getAttribute("viewBox")
    assert doc.getElementsByTagName("title")[0].firstChild.data == "Netværket"
    groups = {g.getAttribute("data-member"): g for g in doc.getElementsByTagName("g")
              if g.getAttribute("data-member")}
    assert set(groups) == {str(n.id) for n in NODES}
    kinds = {member: g.getAttribute("data-kind") for member, g in groups.items()}
    assert kinds["7"] == "isolated" and kinds["2"] == "connector" and kinds["4"] == "newcomer"
    assert kinds["5"] == "member"
    tooltip = groups["2"].getElementsByTagName("title")[0].firstChild.data
    assert tooltip == "Person2 Efternavn2: har mødt 2 · Byggeri"
    edges = [line for line in doc.getElementsByTagName("line") if line.getAttribute("data-edge")]
    assert sorted(line.getAttribute("data-edge") for line in edges) == ["1-2", "2-3", "3-4", "5-6"]
    # The strongest tie is the most opaque, the weakest the faintest.
    opacity = {line.getAttribute("data-edge"): float(line.getAttribute("stroke-opacity")) for line in edges}
    assert opacity["3-4"] > opacity["1-2"] > opacity["2-3"]
    # Dots grow with the degree.
    radius = {m: float(g.getElementsByTagName("circle")[0].getAttribute("r")) for m, g in groups.items()}
    assert radius["2"] > radius["1"] > radius["7"]


def test_names_are_escaped_and_a_hidden_member_is_simply_not_passed():
    nodes = [Node(1, 'Ann <script>"&'), Node(2, "Bo")]
    svg = network_svg(nodes, [Edge(1, 2)])
    assert "<script>" not in svg
    parse(svg)
    # The caller leaves hidden members out of both lists: nothing of them is drawn.
    shown = network_svg([n for n in NODES if n.id != 3], [e for e in EDGES if 3 not in (e.a, e.b)])
    assert 'data-member="3"' not in shown and "-3\"" not in shown and "Person3" not in shown


def test_labels_first_names_or_initials():
    assert short_labels([Node(1, "Anne Jensen"), Node(2, "Bo Holm")]) == {1: "Anne", 2: "Bo"}
    assert short_labels([Node(1, "Anne Jensen"), Node(2, "Anne Holm")]) == {1: "Anne J.", 2: "Anne H."}
    assert short_labels([Node(1, "Gitte Pedersen"), Node(2, "Gitte Poulsen"), Node(3, "Gitte Holm")]) == {
        1: "Gitte Pedersen", 2: "Gitte Poulsen", 3: "Gitte H."}
    many = [Node(i, f"Anne Marie Jensen{i}") for i in range(50)]
    assert set(short_labels(many).values()) == {"AMJ"}
    assert short_labels([Node(1, "")]) == {1: "?"}


def test_charts_are_valid_svg_with_a_mark_per_point():
    points = [("jan", 0.1), ("feb", 0.25), ("mar", 0.5)]
    line = parse(line_chart_svg(points, title="Andel", percent=True))
    assert len(line.getElementsByTagName("circle")) == 3
    assert line.getElementsByTagName("title")[0].firstChild.data == "Andel"
    bars = parse(bar_chart_svg([("1/2", 6), ("3/3", 2), ("4/4", 0)], title="Nye"))
    heights = [float(r.getAttribute("height")) for r in bars.getElementsByTagName("rect")]
    assert heights[0] > heights[1] > heights[2] == 0
    parse(line_chart_svg([], title="Tom"))
    parse(bar_chart_svg([("<&>", 3)], title="<tegn>"))
    assert line_chart_svg(points, title="x") == line_chart_svg(points, title="x")


def test_the_isolated_row_is_drawn_at_the_bottom_of_the_picture():
    doc = parse(network_svg(NODES, EDGES, seed=5))
    cy = {g.getAttribute("data-member"): float(g.getElementsByTagName("circle")[0].getAttribute("cy"))
          for g in doc.getElementsByTagName("g") if g.getAttribute("data-member")}
    assert cy["7"] > max(value for member, value in cy.items() if member != "7")


def _label_box(x, baseline, anchor, text):
    w = CHAR_WIDTH * len(text)
    left = {"middle": x - w / 2, "start": x, "end": x - w}[anchor]
    return (left, baseline - LABEL_HEIGHT + 2, left + w, baseline)


def _overlaps(a, b):
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def test_labels_move_off_a_dot_or_label_in_the_way():
    # Bo sits right under Anne: Anne's label cannot go below her dot, and Bo's not below his onto Cy's.
    points = {1: (100.0, 100.0), 2: (100.0, 118.0), 3: (100.0, 136.0)}
    radii = {1: 6.0, 2: 6.0, 3: 6.0}
    labels = {1: "Anne", 2: "Bo", 3: "Cy"}
    places = place_labels(points, radii, labels, width=400, height=300)
    assert places == place_labels(points, radii, labels, width=400, height=300)  # deterministic
    boxes = {n: _label_box(*places[n], labels[n]) for n in points}
    dots = {n: (x - radii[n], y - radii[n], x + radii[n], y + radii[n]) for n, (x, y) in points.items()}
    for n, box in boxes.items():
        assert not any(_overlaps(box, dots[m]) for m in points if m != n), (n, places[n])
        assert not any(_overlaps(box, boxes[m]) for m in points if m != n), (n, places[n])
    # a dot with room below keeps its label there, centred
    alone = place_labels({1: (50.0, 50.0)}, {1: 5.0}, {1: "Anne"}, width=400, height=300)
    assert alone[1] == (50.0, 66.0, "middle")
    # at the picture's right edge the label does not run out of it
    edge = place_labels({1: (395.0, 50.0), 2: (395.0, 64.0)}, {1: 5.0, 2: 5.0},
                        {1: "Christian", 2: "Bo"}, width=400, height=300)
    assert edge[1][2] != "start"
