"""The organizers' picture of a group's network: measures and a server-drawn SVG.

Pure (no Flask, no database): it takes members as `Node`s and the pairs who have met as weighted
`Edge`s (the weight is the pair's relationship strength, `app.connections.strength`) and returns
plain data and SVG text. The same input always gives the same output: the layout is networkx's
spring layout with a fixed seed over nodes and edges in sorted order, and coordinates are rounded
before they are written.

Measures (`measure`):
- the share of member pairs who have met (an edge is a pair who have met);
- connected components (groups of members linked by who met whom), largest first;
- isolated members (no edge at all);
- connectors: members with the highest betweenness centrality (they sit on many of the shortest
  paths between others: they bridge parts of the network that would otherwise be apart);
- each member's degree (how many of the others they have met).

The SVG (`network_svg`) sizes a member's dot by their degree, draws an edge more opaque and wider
the stronger the pair's tie, colours newcomers, isolated members and connectors (each also with its
own outline, so colour is not the only cue), labels dots with first names (initials in large
groups) and carries each member's full name in a <title> tooltip. All words come from the caller
(`SvgWords`), already translated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

import networkx as nx

# Above this many members the dots are labelled with initials instead of first names.
INITIALS_ABOVE = 40
# How many connectors `measure` names at most.
CONNECTORS = 5

# Colours (Bootstrap-like, readable on white) and the outline each kind gets as a second cue.
COLOURS = {
    "member": "#5b7fa6",
    "newcomer": "#e08a00",
    "isolated": "#c0392b",
    "connector": "#1b5e20",
}
OUTLINES = {
    "member": 'stroke="#ffffff" stroke-width="1"',
    "newcomer": 'stroke="#7a4a00" stroke-width="2"',
    "isolated": 'stroke="#7f1d1d" stroke-width="2" stroke-dasharray="3 2"',
    "connector": 'stroke="#0b3d0f" stroke-width="3"',
}
EDGE_COLOUR = "#34495e"


@dataclass(frozen=True, slots=True)
class Node:
    id: int
    name: str
    label: str = ""  # the member's industry or group, shown in the tooltip
    newcomer: bool = False


@dataclass(frozen=True, slots=True)
class Edge:
    a: int
    b: int
    strength: float = 1.0


@dataclass
class Measures:
    members: int
    pairs: int  # pairs of members: n * (n - 1) / 2
    met_pairs: int  # pairs who have met (edges)
    components: list[list[int]]  # member ids of each component, largest first
    isolated: list[int]  # members with no edge
    connectors: list[tuple[int, float]]  # (member id, betweenness), highest first, betweenness > 0
    degree: dict[int, int] = field(default_factory=dict)

    @property
    def share_met(self) -> float:
        """The share (0-1) of member pairs who have met; 0 for fewer than two members."""
        return self.met_pairs / self.pairs if self.pairs else 0.0


@dataclass(frozen=True)
class SvgWords:
    """The translated words of the picture."""

    title: str = "The network"
    description: str = ""
    member: str = "Member"
    newcomer: str = "Newcomer"
    isolated: str = "Has met no one here"
    connector: str = "Connector"
    edge: str = "Have met (darker: know each other better)"
    met_count: str = "{name}: has met {count}"  # tooltip line; {name} and {count} are filled in


def _graph(nodes: Iterable[Node], edges: Iterable[Edge]) -> nx.Graph:
    """An undirected graph over the nodes (sorted by id) with the edges between known nodes."""
    graph = nx.Graph()
    known = sorted({node.id for node in nodes})
    graph.add_nodes_from(known)
    ids = set(known)
    weights: dict[tuple[int, int], float] = {}
    for edge in edges:
        if edge.a == edge.b or edge.a not in ids or edge.b not in ids:
            continue
        key = (min(edge.a, edge.b), max(edge.a, edge.b))
        weights[key] = weights.get(key, 0.0) + max(float(edge.strength), 0.0)
    for (a, b), weight in sorted(weights.items()):
        graph.add_edge(a, b, weight=weight)
    return graph


def measure(nodes: Sequence[Node], edges: Iterable[Edge], *, connectors: int = CONNECTORS) -> Measures:
    """The network's numbers (see the module docstring)."""
    graph = _graph(nodes, edges)
    n = graph.number_of_nodes()
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c))
    isolated = sorted(node for node in graph.nodes if graph.degree(node) == 0)
    central: list[tuple[int, float]] = []
    if graph.number_of_edges():
        betweenness = nx.betweenness_centrality(graph, normalized=True)
        central = sorted(((node, round(value, 6)) for node, value in betweenness.items() if value > 1e-9),
                         key=lambda item: (-item[1], item[0]))[:connectors]
    return Measures(
        members=n,
        pairs=n * (n - 1) // 2,
        met_pairs=graph.number_of_edges(),
        components=components,
        isolated=isolated,
        connectors=central,
        degree={node: graph.degree(node) for node in sorted(graph.nodes)},
    )


def layout(nodes: Sequence[Node], edges: Iterable[Edge], *, seed: int = 11) -> dict[int, tuple[float, float]]:
    """Positions in [0, 1] x [0, 1] for every node, the same for the same input and seed.

    Connected members are placed by a weighted spring layout (stronger ties pull closer); members
    without any tie are put on a row of their own along the bottom, so they stand out and do not
    drift over the others."""
    graph = _graph(nodes, edges)
    isolated = [node for node in graph.nodes if graph.degree(node) == 0]
    connected = graph.subgraph(node for node in graph.nodes if graph.degree(node) > 0)
    positions: dict[int, tuple[float, float]] = {}
    if connected.number_of_nodes():
        k = 1.6 / math.sqrt(connected.number_of_nodes())
        raw = nx.spring_layout(connected, seed=seed, weight="weight", k=k, iterations=100)
        xs = [float(p[0]) for p in raw.values()]
        ys = [float(p[1]) for p in raw.values()]
        span_x = (max(xs) - min(xs)) or 1.0
        span_y = (max(ys) - min(ys)) or 1.0
        top = 0.82 if isolated else 1.0
        for node in sorted(raw):
            x = (float(raw[node][0]) - min(xs)) / span_x
            y = (float(raw[node][1]) - min(ys)) / span_y * top
            positions[node] = (round(x, 4), round(y, 4))
    for index, node in enumerate(sorted(isolated)):
        count = len(isolated)
        x = 0.5 if count == 1 else index / (count - 1)
        positions[node] = (round(x, 4), 1.0 if connected.number_of_nodes() else 0.5)
    return positions


def short_labels(nodes: Sequence[Node]) -> dict[int, str]:
    """First names (with the last name's initial where first names repeat), or initials when the
    group is larger than INITIALS_ABOVE."""
    def parts(name: str) -> list[str]:
        return name.split() or ["?"]

    if len(nodes) > INITIALS_ABOVE:
        return {node.id: "".join(part[0] for part in parts(node.name)[:3]).upper() for node in nodes}
    firsts: dict[str, int] = {}
    for node in nodes:
        firsts[parts(node.name)[0]] = firsts.get(parts(node.name)[0], 0) + 1
    labels = {}
    for node in nodes:
        words = parts(node.name)
        label = words[0]
        if firsts[label] > 1 and len(words) > 1:
            label = f"{label} {words[-1][0]}."
        labels[node.id] = label
    # Still the same (Gitte Pedersen and Gitte Poulsen): the first and the last name in full.
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    for node in nodes:
        words = parts(node.name)
        if seen[labels[node.id]] > 1 and len(words) > 1:
            labels[node.id] = f"{words[0]} {words[-1]}"
    return labels


def _kind(node: Node, degree: int, connectors: set[int]) -> str:
    if degree == 0:
        return "isolated"
    if node.id in connectors:
        return "connector"
    if node.newcomer:
        return "newcomer"
    return "member"


def network_svg(nodes: Sequence[Node], edges: Iterable[Edge], *, words: SvgWords | None = None,
                seed: int = 11, width: int = 800, height: int = 560) -> str:
    """The network as an accessible SVG (scales to its container through its viewBox)."""
    words = words or SvgWords()
    edges = list(edges)
    graph = _graph(nodes, edges)
    facts = measure(nodes, edges)
    connectors = {node for node, _value in facts.connectors}
    positions = layout(nodes, edges, seed=seed)
    labels = short_labels(nodes)
    by_id = {node.id: node for node in nodes}
    legend_height = 48
    margin = 36
    plot_w, plot_h = width - 2 * margin, height - 2 * margin - legend_height

    def xy(node: int) -> tuple[float, float]:
        x, y = positions[node]  # y grows downwards, as in the SVG: the isolated row is at the bottom
        return round(margin + x * plot_w, 1), round(margin + y * plot_h, 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="network-graph" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="network-graph-title network-graph-desc" '
        f'preserveAspectRatio="xMidYMid meet">',
        f'<title id="network-graph-title">{escape(words.title)}</title>',
        f'<desc id="network-graph-desc">{escape(words.description)}</desc>',
    ]
    strongest = max((data["weight"] for _a, _b, data in graph.edges(data=True)), default=0.0) or 1.0
    out.append(f'<g class="edges" stroke="{EDGE_COLOUR}" stroke-linecap="round">')
    for a, b, data in sorted(graph.edges(data=True)):
        share = min(data["weight"] / strongest, 1.0)
        (x1, y1), (x2, y2) = xy(a), xy(b)
        out.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke-opacity="{0.12 + 0.68 * share:.2f}" '
            f'stroke-width="{0.8 + 2.4 * share:.1f}" data-edge="{a}-{b}"/>'
        )
    out.append("</g>")
    out.append('<g class="nodes" font-family="system-ui, sans-serif" font-size="11" text-anchor="middle">')
    # (a member who has met no one gets a dot big enough to show its dashed outline)
    radii = {node_id: round(4 + 2.2 * math.sqrt(graph.degree(node_id)), 1) if graph.degree(node_id) else 6.0
             for node_id in graph.nodes}
    places = place_labels({node_id: xy(node_id) for node_id in graph.nodes}, radii, labels,
                          width=width, height=height - legend_height)
    for node_id in sorted(graph.nodes):
        node = by_id[node_id]
        degree = graph.degree(node_id)
        kind = _kind(node, degree, connectors)
        radius = radii[node_id]
        x, y = xy(node_id)
        label_x, label_y, anchor = places[node_id]
        anchor_attr = "" if anchor == "middle" else f' text-anchor="{anchor}"'
        stroke = OUTLINES[kind]
        tooltip = words.met_count.format(name=node.name, count=degree)
        if node.label:
            tooltip += f" · {node.label}"
        out.append(
            f'<g class="node node-{kind}" data-member="{node_id}" data-kind="{kind}">'
            f"<title>{escape(tooltip)}</title>"
            f'<circle cx="{x}" cy="{y}" r="{radius}" fill="{COLOURS[kind]}" {stroke}/>'
            f'<text x="{label_x}" y="{label_y}"{anchor_attr}>{escape(labels[node_id])}</text></g>'
        )
    out.append("</g>")
    out.append(_legend(words, height - legend_height + 4))
    out.append("</svg>")
    return "".join(out)


# A label's box, estimated for an 11 px sans-serif font (no fonts are measured on the server).
CHAR_WIDTH = 6.3
LABEL_HEIGHT = 12.0


def place_labels(points: dict[int, tuple[float, float]], radii: dict[int, float], labels: dict[int, str],
                 *, width: float, height: float) -> dict[int, tuple[float, float, str]]:
    """Where each dot's label goes: (x, baseline y, text-anchor).

    Below the dot unless that covers another dot or a label already placed; then above, right or
    left, whichever covers least (and stays inside the picture). The best-connected members are
    placed first, so their labels keep the usual place. Deterministic: the same input, the same
    places."""
    Box = tuple[float, float, float, float]  # left, top, right, bottom

    def overlap(a: Box, b: Box) -> float:
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        return w * h if w > 0 and h > 0 else 0.0

    dots = {node: (x - radii[node], y - radii[node], x + radii[node], y + radii[node])
            for node, (x, y) in points.items()}
    placed: list[Box] = []
    result: dict[int, tuple[float, float, str]] = {}
    for node in sorted(points, key=lambda n: (-radii[n], n)):
        x, y = points[node]
        r = radii[node]
        w = CHAR_WIDTH * len(labels.get(node, "")) + 2
        half = LABEL_HEIGHT / 2
        candidates = [  # (box, x, baseline, anchor), in order of preference
            ((x - w / 2, y + r + 1, x + w / 2, y + r + 1 + LABEL_HEIGHT), x, y + r + 11, "middle"),
            ((x - w / 2, y - r - 1 - LABEL_HEIGHT, x + w / 2, y - r - 1), x, y - r - 3, "middle"),
            ((x + r + 2, y - half, x + r + 2 + w, y + half), x + r + 3, y + 4, "start"),
            ((x - r - 2 - w, y - half, x - r - 2, y + half), x - r - 3, y + 4, "end"),
        ]
        best = None
        for rank, (box, lx, ly, anchor) in enumerate(candidates):
            cost = sum(overlap(box, other) for other in placed)
            cost += sum(overlap(box, dot) for other, dot in dots.items() if other != node)
            outside = (max(0.0, -box[0]) + max(0.0, box[2] - width)
                       + max(0.0, -box[1]) + max(0.0, box[3] - height))
            cost += outside * LABEL_HEIGHT * 4
            key = (round(cost, 3), rank)
            if best is None or key < best[0]:
                best = (key, box, (round(lx, 1), round(ly, 1), anchor))
            if cost == 0:
                break
        assert best is not None
        placed.append(best[1])
        result[node] = best[2]
    return result


def _legend(words: SvgWords, top: float) -> str:
    items = [("member", words.member), ("newcomer", words.newcomer), ("connector", words.connector),
             ("isolated", words.isolated)]
    parts = [f'<g class="legend" font-family="system-ui, sans-serif" font-size="12" '
             f'transform="translate(12 {top})">']
    x = 0
    for kind, text in items:
        parts.append(f'<circle cx="{x + 7}" cy="8" r="6" fill="{COLOURS[kind]}"/>'
                     f'<text x="{x + 18}" y="12">{escape(text)}</text>')
        x += 34 + 7.5 * len(text)
    parts.append(f'<line x1="1" y1="28" x2="25" y2="28" stroke="{EDGE_COLOUR}" stroke-width="2" '
                 f'stroke-opacity="0.6"/><text x="32" y="32">{escape(words.edge)}</text>')
    parts.append("</g>")
    return "".join(parts)
