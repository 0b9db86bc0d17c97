"""Charts as inline SVG drawn on the server: no script and no download, readable by a screen reader (a title,
a description and the same numbers in a table beside each chart). A hidden (suppressed) value is drawn as
nothing and marked with an asterisk."""
from html import escape

# Okabe-Ito: distinguishable by colour-blind readers
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40


def _svg(chart_id, title, desc, body, height=HEIGHT):
    return (f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
            f'{body}</svg>')


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
    """One column per label (e.g. month), stacked by series: `series` is [(name, [value or None, ...])]."""
    totals = [sum(values[i] or 0 for _, values in series) for i in range(len(labels))]
    top, ticks = _scale(max(totals + [1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    parts = [_axis(ticks, top, plot_h)]
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
                parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                             f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(label)}, {escape(name)} : '
                             f'{value}</title></rect>')
        mark = "*" if hidden else ""
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                     f'class="tick">{escape(label)}{mark}</text>')
    parts.append(_legend([name for name, _ in series], HEIGHT - 10))
    return _svg(chart_id, title, desc, "".join(parts))


def bars(chart_id, title, desc, items, highlight=None, threshold_line=None, hidden_label="<5"):
    """Horizontal bars: `items` is [(label, value or None)]; `highlight(label, value)` colours a bar."""
    row = 26
    height = TOP + row * len(items) + 24
    label_w = 360
    top, ticks = _scale(max([v or 0 for _, v in items] + [1]))
    plot_w = WIDTH - label_w - RIGHT - 40
    parts = []
    for i, (label, value) in enumerate(items):
        y = TOP + i * row
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" class="label">{escape(label)}</text>')
        shown = f"{hidden_label}*" if value is None else str(value)
        w = 0 if value is None else plot_w * value / top
        colour = PALETTE[0] if highlight is None or highlight(label, value) else "#9aa5b1"
        if w:
            parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{colour}">'
                         f'<title>{escape(label)} : {escape(shown)}</title></rect>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" class="value">{escape(shown)}</text>')
    if threshold_line:
        parts.append(f'<text x="{label_w}" y="{height - 6}" class="note">{escape(threshold_line)}</text>')
    return _svg(chart_id, title, desc, "".join(parts), height=height)


def _axis(ticks, top, plot_h):
    parts = []
    for tick in ticks:
        y = TOP + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{tick}</text>')
    return "".join(parts)


def _legend(names, y):
    parts, x = [], LEFT
    for k, name in enumerate(names):
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
                     f'<text x="{x + 14}" y="{y}" class="legend">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return "".join(parts)
