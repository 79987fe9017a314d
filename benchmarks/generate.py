"""A deterministic generator of realistic French news articles, as JSON Lines for `flask import`.

    python benchmarks/generate.py --articles 10000 --out articles.jsonl

The file holds 200 tags, then 50 authors, then the articles (`"type"` says which). Article `i`
depends only on the seed and `i`, so the first 10,000 articles of a 100,000-article file are
the 10,000-article file: every benchmark size shares its articles with the smaller ones.

Each article: a title and a kicker, a Markdown body of about 1,000 words (paragraphs, `##`
headings, emphasis, a link, a list or a quotation, typographic apostrophes and « guillemets »),
3 of the 200 tags, 1 or 2 of the 50 authors, a publication time between 2016 and 2025, a
feature image for most; about 1 in 50 is a draft and 1 in 200 is scheduled in 2099.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.services.slugs import make_slug  # noqa: E402 - the app's own slug rule

SEED = "newsdesk-bench-1"
TAG_COUNT = 200
AUTHOR_COUNT = 50
START = datetime(2016, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int((datetime(2025, 12, 31, tzinfo=UTC) - START).total_seconds())
SCHEDULED_AT = datetime(2099, 1, 1, 6, tzinfo=UTC)


def _choices(text: str) -> tuple[str, ...]:
    """Words and phrases separated by `|` (line breaks ignored)."""
    return tuple(item.strip() for item in text.replace("\n", "").split("|"))


THEMES = _choices(
    """
    Politique|Économie|Société|Santé|Éducation|Culture|Cinéma|Musique|Littérature|Théâtre|Sport|
    Football|Rugby|Cyclisme|Tennis|Sciences|Espace|Climat|Énergie|Environnement|Agriculture|
    Alimentation|Numérique|Intelligence artificielle|Cybersécurité|Télécoms|Transports|
    Automobile|Aéronautique|Logement|Immobilier|Emploi|Retraites|Fiscalité|Justice|Police|
    Défense|Diplomatie|Europe|International|Élections|Parlement|Collectivités|Santé publique|
    Hôpital|Recherche|Université|Patrimoine|Architecture|Gastronomie|Vin|Tourisme|Mode|Médias|
    Jeux vidéo|Startups|Industrie|Commerce|Banques|Bourse|Consommation|Météo|Océans|
    Biodiversité|Montagne|Ruralité|Jeunesse|Famille|Égalité|Religions|Histoire|Mémoire|
    Photographie|Danse|Bande dessinée
    """
)
PLACES = _choices(
    """
    Paris|Marseille|Lyon|Toulouse|Nice|Nantes|Montpellier|Strasbourg|Bordeaux|Lille|Rennes|
    Reims|Saint-Étienne|Toulon|Le Havre|Grenoble|Dijon|Angers|Nîmes|Villeurbanne|
    Clermont-Ferrand|Le Mans|Aix-en-Provence|Brest|Tours|Amiens|Limoges|Annecy|Perpignan|
    Besançon|Metz|Orléans|Rouen|Mulhouse|Caen|Nancy|Avignon|Poitiers|La Rochelle|Pau|Bayonne|
    Ajaccio|Bastia|Cayenne|Fort-de-France|Pointe-à-Pitre|Saint-Denis|Nouméa|Papeete|Mamoudzou|
    Bretagne|Normandie|Occitanie|Grand Est|Hauts-de-France|Île-de-France|Auvergne-Rhône-Alpes|
    Nouvelle-Aquitaine|Provence-Alpes-Côte d’Azur|Pays de la Loire|Centre-Val de Loire|Corse|
    Bourgogne-Franche-Comté|Guadeloupe|Martinique|Guyane|La Réunion|Mayotte|Belgique|Suisse|
    Québec|Luxembourg|Monaco|Sénégal|Côte d’Ivoire|Maroc|Algérie|Tunisie|Cameroun|Mali|Niger|
    Bénin|Togo|Gabon|Madagascar|Haïti|Liban|Allemagne|Espagne|Italie|Portugal|Royaume-Uni|
    Irlande|Pays-Bas|Danemark|Suède|Norvège|Finlande|Pologne|Tchéquie|Autriche|Hongrie|Roumanie|
    Grèce|Ukraine|Russie|Turquie|Israël|Égypte|Éthiopie|Kenya|Nigéria|Afrique du Sud|États-Unis|
    Canada|Mexique|Brésil|Argentine|Chili|Colombie|Pérou|Chine|Japon|Corée du Sud|Inde|
    Indonésie|Viêt Nam|Thaïlande|Australie|Nouvelle-Zélande|Arabie saoudite|Iran|Irak|Syrie|
    Qatar|Émirats arabes unis|Arctique|Antarctique|Méditerranée|Sahel|Balkans|Caraïbes|
    Pacifique|Alpes|Pyrénées
    """
)
FIRST_NAMES = _choices(
    """
    Élodie|Jérôme|Hélène|François|Zoé|Noël|Loïc|Anaïs|Gaëlle|Benoît|Cécile|Mathéo|Léa|Raphaël|
    Agnès|Thibault|Maëlle|Aurélien|Inès|Clément|Béatrice|Joël|Chloé|Stéphane|Océane|Rémi|Amélie|
    Frédéric|Solène|Hervé|Laëtitia|Grégoire|Ophélie|Jérémie|Salomé|Éric|Nadège|Timothée|Mélanie|
    André|Séverine|Anaëlle|Valérie|Théo|Adèle|Gérald|Camille|Sébastien|Lucie|Honoré
    """
)
LAST_NAMES = _choices(
    """
    Lefèvre|Bérenger|Dubois|Mercier|Girard|Rousseau|Fontaine|Chevalier|Lemaître|Gauthier|Faure|
    André|Clément|Mathieu|Brunet|Lévêque|Garnier|Béranger|Noël|Renaud|Perrin|Moreau|Lacroix|
    Ménard|Benoît|Roché|Hébert|Barbé|Prévost|Leclère|Guérin|Thébault|Marchand|Dufrêne|Besnard|
    Texier|Duchêne|Carré|Jégou|Méheut|Bouché|Josué|Pélissier|Lagardère|Sénéchal|Aubé|Després|
    Gaudré|Fléchet|Vallée
    """
)
SUBJECTS = _choices(
    """
    le gouvernement|la ministre de l’Économie|le maire de {place}|l’intersyndicale|
    une équipe de chercheurs|la préfecture|le conseil régional|le conseil municipal|
    une association de riverains|le président de la République|la Commission européenne|
    le collectif des habitants de {place}|une start-up de {place}|la direction de l’hôpital|
    le procureur|la chambre d’agriculture|le rectorat|l’opposition|le Sénat|
    l’Assemblée nationale|l’administration|la fédération|l’union étudiante|
    un collectif d’artistes|la compagnie aérienne|le tribunal administratif|
    l’Agence de l’environnement|le service départemental d’incendie|la banque centrale|{person}|
    l’entraîneur {person}|la chercheuse {person}|le député {person}
    """
)
VERBS = _choices(
    """
    a annoncé|prévoit|réclame|dénonce|a présenté|envisage|a confirmé|s’inquiète de|met en avant|
    a dévoilé|souhaite accélérer|a lancé|défend|a renoncé à|étudie|conteste|prépare|a salué|
    critique|a obtenu|relance|a reporté|doit examiner|a réaffirmé
    """
)
OBJECTS = _choices(
    """
    un plan d’investissement de {number} millions d’euros|la réforme du secteur « {theme} »|
    une hausse des prix de l’énergie|la fermeture d’une usine à {place}|
    un nouveau projet de loi (« {theme} »)|la création de {number} emplois|
    un accord historique avec {place}|des mesures d’urgence dans le secteur « {theme} »|
    la rénovation du centre-ville|un référendum local|la baisse des effectifs|
    une enquête préliminaire|un partenariat avec des entreprises de {place}|
    le calendrier des travaux|l’ouverture d’un musée (« {theme} »)|
    une étude sur la qualité de l’air|la gratuité des transports|
    un festival sur le thème « {theme} »|la construction de {number} logements|
    un programme de formation|la protection des données personnelles|
    le développement de l’intelligence artificielle|une grève reconductible|
    la transition énergétique|le budget de l’année prochaine
    """
)
CLOSINGS = _choices(
    """
    d’ici à la fin de l’année|selon un communiqué publié mardi|
    malgré les critiques de l’opposition|après des mois de négociations|
    pour la première fois depuis {year}|dans un contexte économique tendu|à la veille de l’été|
    au grand soulagement des habitants|sans plus de précisions|lors d’une conférence de presse|
    selon nos informations|à en croire les premiers chiffres|
    au terme d’une longue journée de débats|avec le soutien de l’État|devant une salle comble
    """
)
OPENERS = _choices(
    """
    Par ailleurs,|Selon les experts,|Dans le détail,|À {place},|En outre,|Pour autant,|
    De son côté,|Au-delà des chiffres,|Depuis {year},|Toutefois,|En attendant,|
    À l’échelle nationale,|Concrètement,|Reste que|Ainsi,
    """
)
QUOTES = _choices(
    """
    C’est une étape décisive pour notre territoire|Nous ne lâcherons rien|
    Il faut aller plus vite et plus loin|Les chiffres parlent d’eux-mêmes|
    Personne n’avait anticipé une telle réaction|Nous avons été entendus|
    C’est un choix responsable|La situation reste préoccupante
    """
)
HEADINGS = _choices(
    """
    Un contexte difficile|Des réactions contrastées|Ce qui va changer|Les prochaines étapes|
    Un financement en question|Le regard des experts|Sur le terrain|Une première en France|
    Des inquiétudes persistantes|Et maintenant ?
    """
)
TITLES = _choices(
    """
    {place} : {subject} {verb} {object}|{theme} : {subject} {verb} {object}|
    À {place}, {subject} {verb} {object}|{Subject} {verb} {object} {closing}
    """
)
KICKERS = _choices(
    """
    Ce qu’il faut retenir|Notre analyse|Reportage à {place}|Les faits|Décryptage|Entretien|
    Le point sur {theme}|Enquête
    """
)


_PARTS = {"verb": VERBS, "object": OBJECTS, "closing": CLOSINGS}
# The long tail real news has: companies, villages, families, each named rarely. 5,400 names,
# drawn log-uniformly (the n-th is about n times rarer than the first), a few per article
_STARTS = _choices("Mont|Beau|Val|Roche|Castel|Font|Bel|Haut|Clair|Mar|Ver|Brou|Lau|Sauve|Mir")
_MIDDLES = _choices("bri|cour|vil|for|lan|gar|tel|mer|sal|pey|ren|bas|col|dor|lur|ség|vau|qui")
_ENDS = _choices("ac|ières|elles|ard|ois|eux|an|ay|ogne|ine|ade|oux|ès|ange|et|ençon|ol|ère|ier|in")
RARE_NAMES = [f"{a}{b}{c}" for a in _STARTS for b in _MIDDLES for c in _ENDS]
random.Random(f"{SEED}-names").shuffle(RARE_NAMES)
RARE_CONTEXTS = _choices(
    """
    la société {rare}|le groupe {rare}|le village de {rare}|la famille {rare}|
    le cabinet {rare}|l’association {rare}|le collectif {rare}|la coopérative {rare}
    """
)


@cache
def tags() -> list[dict]:
    names = [*THEMES, *PLACES][:TAG_COUNT]
    assert len(names) == TAG_COUNT == len(set(names)), len(names)
    return [
        {
            "type": "tag",
            "slug": make_slug(name, 120),
            "name": name,
            "description": f"L’actualité de « {name} » : articles, analyses et reportages.",
        }
        for name in names
    ]


@cache
def authors() -> list[dict]:
    rng = random.Random(f"{SEED}-authors")
    pairs = sorted({(f, ln) for f in FIRST_NAMES for ln in LAST_NAMES})
    chosen = rng.sample(pairs, AUTHOR_COUNT)
    return [
        {
            "type": "author",
            "slug": make_slug(f"{first} {last}", 120),
            "name": f"{first} {last}",
            "bio": f"{first} {last} couvre l’actualité pour la rédaction depuis {2000 + i % 24}.",
        }
        for i, (first, last) in enumerate(chosen)
    ]


class _Values(dict):
    """A template's values, each drawn when the template asks for it."""

    def __init__(self, writer: _Writer):
        super().__init__()
        self.writer = writer

    def __missing__(self, name: str) -> str | int:
        w = self.writer
        rng = w.rng
        if name == "place":
            return w.pick(w.places if rng.random() < 0.7 else PLACES)
        if name == "theme":
            return w.pick(w.themes if rng.random() < 0.7 else THEMES).lower()
        if name == "number":
            return w.pick((12, 30, 45, 150, 200, 350, 1200, 2500))
        if name == "year":
            return 1990 + int(rng.random() * 26)
        if name == "person":
            return f"{w.pick(FIRST_NAMES)} {w.pick(LAST_NAMES)}"
        if name in ("subject", "Subject"):
            subject = w.fill(w.pick(SUBJECTS))
            return subject[0].upper() + subject[1:] if name == "Subject" else subject
        return w.fill(w.pick(_PARTS[name]))


class _Writer:
    """Sentences, paragraphs and bodies drawn from one article's own random stream."""

    def __init__(self, rng: random.Random, places: list[str], themes: list[str]):
        self.rng = rng
        self.places = places  # the article's own places and themes come back often
        self.themes = themes

    def pick(self, choices):
        return choices[int(self.rng.random() * len(choices))]

    def fill(self, template: str) -> str:
        """The template with each `{name}` drawn at random (only those it names)."""
        if "{" not in template:
            return template
        return template.format_map(_Values(self))

    def sentence(self) -> str:
        rng = self.rng
        parts = []
        if rng.random() < 0.3:
            parts.append(self.fill(self.pick(OPENERS)))
        parts.append(self.fill("{subject} {verb} {object}"))
        if rng.random() < 0.6:
            parts.append(self.fill("{closing}"))
        text = " ".join(parts)
        if rng.random() < 0.12:
            text += self.fill(", a déclaré {person}")
        text = text[0].upper() + text[1:]
        if rng.random() < 0.08:
            words = text.split(" ")
            at = rng.randrange(1, len(words))
            words[at] = f"**{words[at]}**" if rng.random() < 0.5 else f"*{words[at]}*"
            text = " ".join(words)
        return text + self.pick(".....!?")

    def paragraph(self) -> str:
        sentences = [self.sentence() for _ in range(3 + int(self.rng.random() * 4))]
        if self.rng.random() < 0.35:
            sentences.append(self.rare())
        return " ".join(sentences)

    def rare(self) -> str:
        """A sentence naming one of the long tail (the n-th name about n times rarer)."""
        index = int(len(RARE_NAMES) ** self.rng.random()) - 1
        subject = self.pick(RARE_CONTEXTS).format(rare=RARE_NAMES[index])
        text = self.fill(f"{subject} {{verb}} {{object}}")
        return text[0].upper() + text[1:] + "."

    def body(self, target_words: int) -> str:
        rng = self.rng
        blocks: list[str] = []
        words = 0
        headings = rng.sample(HEADINGS, 3)
        while words < target_words:
            if blocks and rng.random() < 0.12 and headings:
                blocks.append(f"## {headings.pop()}")
            roll = rng.random()
            if roll < 0.06:
                items = [self.fill("{subject} {verb} {object}") for _ in range(rng.randint(3, 5))]
                block = "\n".join(f"- {item[0].upper()}{item[1:]} ;" for item in items)
            elif roll < 0.11:
                block = f"> « {rng.choice(QUOTES)} », confie {rng.choice(FIRST_NAMES)}."
            elif roll < 0.15:
                place = rng.choice(self.places)
                link = f"[le dossier consacré à {place}](https://www.example.org/dossiers/"
                block = self.paragraph() + f" Lire aussi {link}{make_slug(place)})."
            else:
                block = self.paragraph()
            blocks.append(block)
            words += len(block.split())
        return "\n\n".join(blocks) + "\n"


def article(index: int) -> dict:
    """Article `index`: the same for every file size and every run."""
    rng = random.Random(f"{SEED}-article-{index}")
    tag_names = [*THEMES, *PLACES][:TAG_COUNT]
    chosen_tags = rng.sample(range(TAG_COUNT), 3)
    chosen_authors = rng.sample(range(AUTHOR_COUNT), rng.choice((1, 1, 1, 2)))
    places = [tag_names[i] for i in chosen_tags if tag_names[i] in PLACES] or [rng.choice(PLACES)]
    themes = [tag_names[i] for i in chosen_tags if tag_names[i] in THEMES] or [rng.choice(THEMES)]
    writer = _Writer(rng, places, themes)
    title = writer.fill(rng.choice(TITLES))
    title = title[0].upper() + title[1:]
    if len(title) > 160:
        title = title[:160].rsplit(" ", 1)[0]
    published_at = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
    status = "published"
    roll = rng.random()
    if roll < 0.02:
        status = "draft"
    elif roll < 0.025:
        status, published_at = "scheduled", SCHEDULED_AT + timedelta(days=index % 365)
    all_tags, all_authors = tags(), authors()
    record = {
        "type": "article",
        "slug": f"{make_slug(title, 150)}-{index}",
        "title": title,
        "subtitle": writer.fill(rng.choice(KICKERS)),
        "body": writer.body(rng.randint(950, 1100)),
        "language": "fr",
        "tags": [all_tags[i]["slug"] for i in chosen_tags],
        "authors": [all_authors[i]["slug"] for i in chosen_authors],
        "status": status,
        "published_at": None if status == "draft" else published_at.isoformat(),
    }
    if rng.random() < 0.8:
        record["feature_image"] = {
            "url": f"https://images.example.org/{index % 5000}.jpg",
            "alt": f"Illustration : {places[0]}",
            "caption": writer.fill("{Subject} {verb} {object}."),
            "credit": f"© {rng.choice(LAST_NAMES)} / Newsdesk",
        }
    return record


def records(count: int, jobs: int = 1) -> Iterator[dict]:
    """Every record of a file of `count` articles, in file order (articles drawn by `jobs`
    processes: the result is the same)."""
    yield from tags()
    yield from authors()
    if jobs <= 1:
        yield from map(article, range(count))
        return
    with multiprocessing.Pool(jobs) as pool:
        yield from pool.imap(article, range(count), chunksize=256)


def write(path: Path, count: int, jobs: int = 1) -> Path:
    """Write the file (through a temporary name, so an interrupted run leaves none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    with partial.open("w", encoding="utf-8") as out:
        for record in records(count, jobs):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.replace(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    write(args.out, args.articles, args.jobs)
    print(f"{args.out}: {TAG_COUNT} tags, {AUTHOR_COUNT} authors, {args.articles} articles")


if __name__ == "__main__":
    main()
