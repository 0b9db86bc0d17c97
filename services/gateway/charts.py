"""Charts as inline SVG drawn on the server: no script and no download, readable by a screen reader (a title,
a description and the same numbers in a table beside each chart). A hidden (suppressed) value is drawn as
nothing and marked with an asterisk.

Geometry only, no markup: these functions place the shapes and templates/charts.html draws them (escaping
every text as any template does)."""
from dataclasses import dataclass, field
from typing import ClassVar

# Okabe-Ito: distinguishable by colour-blind readers
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
MUTED = "#9aa5b1"
WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40


@dataclass(frozen=True)
class Line:
    x1: float
    x2: float
    y1: float
    y2: float
    css: str
    kind: ClassVar[str] = "line"


@dataclass(frozen=True)
class Rect:
    """A filled rectangle; with a `title`, the tooltip a screen reader reads for it."""
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str | None = None
    kind: ClassVar[str] = "rect"


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    css: str
    anchor: str | None = None
    kind: ClassVar[str] = "text"


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    height: int = HEIGHT
    width: int = WIDTH
    shapes: list = field(default_factory=list)  # in painting order


def _px(value):
    """A coordinate to a tenth of a pixel."""
    return round(float(value), 1)


def _scale(maximum):
    """A round top for the axis (4, 8, 20, 40, 80, 200...: quarters stay whole numbers) and its ticks."""
    magnitude = 1
    while True:
        for step in (4, 8, 20):
            top = step * magnitude
            if top >= maximum:
                return top, [top * i // 4 for i in range(5)]
        magnitude *= 10


def stacked_columns(chart_id, title, desc, labels, series):
    """One column per label (e.g. month), stacked by series: `series` is [(name, [value or None, ...])].

    >>> stacked_columns("c", "Visites", "Colonnes", ["janv."], [("EDF", [3])]).shapes[-3]
    Rect(x=57.1, y=200.0, width=473.6, height=24.0, fill='#0072B2', title='janv., EDF : 3')
    """
    totals = [sum(values[i] or 0 for _, values in series) for i in range(len(labels))]
    top, ticks = _scale(max(totals + [1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    shapes = _axis(ticks, top, plot_h)
    for i, label in enumerate(labels):
        x = LEFT + i * slot + slot * 0.15
        base = TOP + plot_h
        hidden = False
        for k, (name, values) in enumerate(series):
            value = values[i]
            if value is None:
                hidden = True
                continue
            h = plot_h * value / top
            base -= h
            if value:
                shapes.append(Rect(_px(x), _px(base), _px(slot * 0.7), _px(h), PALETTE[k % len(PALETTE)],
                                   f"{label}, {name} : {value}"))
        mark = "*" if hidden else ""
        shapes.append(Text(_px(x + slot * 0.35), TOP + plot_h + 16, f"{label}{mark}", "tick", "middle"))
    shapes += _legend([name for name, _ in series], HEIGHT - 10)
    return Chart(chart_id, title, desc, shapes=shapes)


def bars(chart_id, title, desc, items, highlight=None, threshold_line=None, hidden_label="<5"):
    """Horizontal bars: `items` is [(label, value or None)]; `highlight(label, value)` colours a bar."""
    row = 26
    height = TOP + row * len(items) + 24
    label_w = 360
    top, ticks = _scale(max([v or 0 for _, v in items] + [1]))
    plot_w = WIDTH - label_w - RIGHT - 40
    shapes = []
    for i, (label, value) in enumerate(items):
        y = TOP + i * row
        shapes.append(Text(label_w - 8, y + 17, label, "label", "end"))
        shown = f"{hidden_label}*" if value is None else str(value)
        w = 0 if value is None else plot_w * value / top
        colour = PALETTE[0] if highlight is None or highlight(label, value) else MUTED
        if w:
            shapes.append(Rect(label_w, y + 4, _px(w), row - 8, colour, f"{label} : {shown}"))
        shapes.append(Text(_px(label_w + w + 6), y + 17, shown, "value"))
    if threshold_line:
        shapes.append(Text(label_w, height - 6, threshold_line, "note"))
    return Chart(chart_id, title, desc, height=height, shapes=shapes)


def _axis(ticks, top, plot_h):
    shapes = []
    for tick in ticks:
        y = TOP + plot_h - plot_h * tick / top
        shapes += [Line(LEFT, WIDTH - RIGHT, _px(y), _px(y), "grid"),
                   Text(LEFT - 6, _px(y + 4), str(tick), "tick", "end")]
    return shapes


def _legend(names, y):
    shapes, x = [], LEFT
    for k, name in enumerate(names):
        shapes += [Rect(x, y - 9, 10, 10, PALETTE[k % len(PALETTE)]), Text(x + 14, y, name, "legend")]
        x += 24 + 7 * len(name)
    return shapes
