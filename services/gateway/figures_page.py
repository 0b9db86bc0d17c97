"""The figures page: a desk's, an association's or the network's month and year, with charts (visits by
motif and by partner over the months, acts by kind, registres used against the norm's 5 of 8), each chart
followed by its numbers in a table."""
from services.gateway import charts, labels
from services.gateway.figures_reading import cell, registres_used, shown
from services.gateway.html import e, layout

SCOPE_LABELS = {"desk": "PIMMS", "association": "Association", "network": "Réseau"}
KEY_FIGURES = (
    ("people.received", "Personnes reçues"), ("visits.total", "Visites"),
    ("visits.partenaire", "dont accueils partenaires"), ("visits.generaliste", "dont accueils généralistes"),
    ("acts.total", "Actes de médiation"), ("workshops.sessions", "Ateliers collectifs"),
    ("workshops.attendees", "Participants aux ateliers"), ("durations.visit_min_mean", "Durée moyenne (min)"),
    ("durations.waiting_min_mean", "Attente moyenne (min)"),
)


def scope_title(scope, id_):
    return "Réseau national" if scope == "network" else f"{SCOPE_LABELS[scope]} {id_}"


def render(principal, tokens, choice, offered, year, month, month_row, year_row, monthly, exact):
    scope, id_ = choice
    period = f"{year:04d}-{month:02d}"
    body = _chooser(principal, offered, choice, year, month)
    if exact:
        body += '<p class="notice">Chiffres exacts, réservés au personnel de l\'association.</p>'
    else:
        threshold = (month_row or year_row or {}).get("threshold", 5)
        body += (f'<p class="notice">Chiffres diffusables : un effectif de moins de {threshold} personnes est masqué '
                 f'(« &lt;{threshold} »), comme dans tout ce qui sort de l\'association.</p>')
    body += _key_figures(period, year, month_row, year_row)
    hidden = f"<{(year_row or month_row or {}).get('threshold', 5)}"
    body += _charts(year, monthly, year_row, hidden)
    return layout(f"Chiffres · {scope_title(scope, id_)}", body, principal, tokens)


def _chooser(principal, offered, choice, year, month):
    if principal.role == "head_office":
        scopes = "".join(f'<option value="{s}"{" selected" if s == choice[0] else ""}>{label}</option>'
                         for s, label in (("network", "Réseau"), ("association", "Association"), ("desk", "PIMMS")))
        what = (f'<label for="scope">Périmètre</label><select id="scope" name="scope">{scopes}</select> '
                f'<label for="scope-id">Code (association ou PIMMS)</label>'
                f'<input id="scope-id" name="id" value="{e(choice[1] or "")}">')
    else:
        options = "".join(
            f'<option value="{s}:{e(i)}"{" selected" if (s, i) == choice else ""}>{e(scope_title(s, i))}</option>'
            for s, i in offered)
        what = f'<label for="scope">Périmètre</label><select id="scope" name="perimetre">{options}</select>'
    months = "".join(f'<option value="{m}"{" selected" if m == month else ""}>{labels.MONTHS[m - 1]}</option>'
                     for m in range(1, 13))
    return (f'<form method="get" action="/figures" class="inline">{what} '
            f'<label for="month">Mois</label><select id="month" name="mois">{months}</select> '
            f'<label for="year">Année</label><input id="year" name="annee" type="number" min="2000" max="2999" '
            f'value="{year}"> <button type="submit">Afficher</button></form>')


def _key_figures(period, year, month_row, year_row):
    rows = "".join(
        f'<tr><th scope="row">{e(label)}</th><td id="fig-{path.replace(".", "-")}-month">{e(shown(month_row, path))}</td>'
        f'<td id="fig-{path.replace(".", "-")}-year">{e(shown(year_row, path))}</td></tr>'
        for path, label in KEY_FIGURES)
    return ('<h2>Chiffres clés</h2><table class="figures"><thead><tr><th scope="col">Indicateur</th>'
            f'<th scope="col">{e(labels.month_label(period))}</th><th scope="col">Année {year}</th></tr></thead>'
            f'<tbody>{rows}</tbody></table>')


def _series(monthly, path):
    """A cell over the months: None where it is hidden, 0 for a month without figures."""
    return [None if r is not None and path in r["suppressed"] else (cell(r, path) or 0) for r in monthly]


def _table(caption, header, rows):
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in header)
    body = "".join("<tr>" + f'<th scope="row">{e(r[0])}</th>' + "".join(f"<td>{e(str(c))}</td>" for c in r[1:])
                   + "</tr>" for r in rows)
    return (f'<details><summary>Données : {e(caption)}</summary><table><thead><tr>{head}</tr></thead>'
            f'<tbody>{body}</tbody></table></details>')


def _shown_series(values, hidden):
    return [hidden if v is None else v for v in values]


def _figure(svg, title, table, caption_id=None):
    ident = f' id="{caption_id}"' if caption_id else ""
    return f"<figure>{svg}<figcaption{ident}>{e(title)}</figcaption>{table}</figure>"


def _charts(year, monthly, year_row, hidden):
    months = list(labels.MONTHS_SHORT)
    parts = ["<h2>Graphiques de l'année</h2>"]

    motifs = [("Accueils partenaires", _series(monthly, "visits.partenaire")),
              ("Accueils généralistes", _series(monthly, "visits.generaliste"))]
    title = f"Visites par motif et par mois, {year}"
    svg = charts.stacked_columns("chart-motifs", title, "Colonnes empilées : accueils partenaires et généralistes "
                                 "de chaque mois.", months, motifs)
    parts.append(_figure(svg, title, _table(title, ["Motif"] + months,
                                            [[n] + _shown_series(v, hidden) for n, v in motifs])))

    partners = []
    for code, label in sorted(labels.PARTNERS.items(), key=lambda kv: kv[1]):
        values = _series(monthly, f"visits.by_partner.{code}")
        if any(v is None or v for v in values):
            partners.append((label, values))
    title = f"Accueils partenaires par partenaire et par mois, {year}"
    if partners:
        svg = charts.stacked_columns("chart-partners", title, "Colonnes empilées par partenaire, un mois par "
                                     "colonne.", months, partners)
        parts.append(_figure(svg, title, _table(title, ["Partenaire"] + months,
                                                [[n] + _shown_series(v, hidden) for n, v in partners])))
    else:
        parts.append(f"<h3>{e(title)}</h3><p>Aucun accueil partenaire cette année.</p>")

    acts = [(label, _year_cell(year_row, f"acts.by_kind.{code}")) for code, label in labels.ACTS.items()]
    title = f"Actes de médiation par nature, {year}"
    svg = charts.bars("chart-acts", title, "Barres horizontales : nombre d'actes de chaque nature sur l'année.", acts,
                      hidden_label=hidden)
    parts.append(_figure(svg, title, _table(title, ["Acte", "Nombre"], [[n, _shown(v, hidden)] for n, v in acts])))

    used = registres_used(year_row)
    registres = [(label, _year_cell(year_row, f"registres.{code}")) for code, label in labels.REGISTRES.items()]
    required = labels.REGISTRES_REQUIRED
    verdict = "norme atteinte" if used >= required else "norme non atteinte"
    title = f"Registres d'intervention utilisés en {year} : {used} sur 8 ({verdict} : au moins {required})"
    svg = charts.bars("chart-registres", title, "Barres horizontales : visites et ateliers par registre ; en "
                      "couleur les registres utilisés.", registres, highlight=lambda _label, v: v is None or v > 0,
                      hidden_label=hidden, threshold_line=f"Norme XP X60-600 : au moins {required} registres sur 8 ; utilisés : {used}")
    parts.append(_figure(svg, title, _table(title, ["Registre", "Visites et ateliers"],
                                            [[n, _shown(v, hidden)] for n, v in registres]), "registres-used"))
    return "".join(parts)


def _year_cell(year_row, path):
    if year_row is not None and path in year_row["suppressed"]:
        return None
    return cell(year_row, path) or 0


def _shown(value, hidden):
    return hidden if value is None else value
