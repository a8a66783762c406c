"""What the demo programme is made of: partners, their donations, referrers, prices, people.

Days are counted back from today (``days_ago``); names are invented.
"""

from __future__ import annotations

from dataclasses import dataclass

# Always there, even with DEMO_DATA=none: the demo keys act for the partner and a counter.
DEMO_PARTNER = "Opérateur partenaire (démo)"
DEMO_SITES = [
    ("Atelier de reconditionnement", "Paris", "workshop"),
    ("Point d'accueil Paris", "Paris", "counter"),
    ("Point d'accueil Marseille", "Marseille", "counter"),
    ("Point d'accueil Grenoble", "Grenoble", "counter"),
    ("Point d'accueil Lyon", "Lyon", "counter"),
    ("Point d'accueil Saint-Denis", "Saint-Denis", "counter"),
    ("Point d'accueil Antony", "Antony", "counter"),
]

WORKSHOP = DEMO_SITES[0][0]
COUNTERS = {  # counter site → people enrolled there
    "Point d'accueil Paris": 12,
    "Point d'accueil Marseille": 8,
    "Point d'accueil Lyon": 8,
    "Point d'accueil Saint-Denis": 8,
}
WEEKS = 26  # of history: six months of donations, refurbishment and sales

COMPANY = "Entreprise Atelier Vert (démo)"
CITY_HALL = "Ville de Lyon, parc informatique (démo)"
PARTNERS = [  # the demo partner (the partner key's) is seeded with the sites
    {"name": COMPANY, "kind": "company"},
    {"name": CITY_HALL, "kind": "public_body"},
]

ORGANISATIONS = [  # (name, kind, city, social worker, approved at the end)
    ("CCAS de Paris 11e", "ccas", "Paris", "Nadia Ferhat", True),
    ("CHRS Les Tilleuls", "chrs", "Marseille", "Paul Girard", True),
    ("Association Lien Numérique", "association", "Lyon", "Inès Moreau", False),
]
SUSPENDED_DAYS_AGO = 12

ORANGE_10 = "card:orange:1000"
SFR_5 = "card:sfr:500"
MINUTES = "allowance:minutes"
PRICES = [  # product_key, label, market and solidarity price (cents)
    (ORANGE_10, "Recharge Orange 10 EUR", 1000, 250),
    (SFR_5, "Recharge SFR 5 EUR", 500, 150),
    (MINUTES, "Minutes de communication (la minute)", 2, 1),
    ("allowance:data-mb", "Données mobiles (le Mo)", 1, 0),
    ("device:smartphone:a", "Smartphone reconditionné, grade A", 18000, 2500),
    ("device:smartphone:b", "Smartphone reconditionné, grade B", 14000, 2000),
    ("device:smartphone:c", "Smartphone reconditionné, grade C", 9000, 1200),
    ("device:laptop:a", "Ordinateur portable reconditionné, grade A", 35000, 3000),
    ("device:laptop:b", "Ordinateur portable reconditionné, grade B", 28000, 2500),
    ("device:tablet:b", "Tablette reconditionnée, grade B", 16000, 2000),
    ("device:tablet:c", "Tablette reconditionnée, grade C", 11000, 1500),
]
PRICE_CHANGE = {"device:smartphone:b": 1800, "device:laptop:b": 2200}  # grid v2 (solidarity)
PRICE_CHANGE_DAYS_AGO = 75


@dataclass(frozen=True)
class Hardware:
    category: str
    brand: str
    model: str
    quantity: int
    missing: int = 0  # announced identifiers that did not arrive
    extra: int = 0  # units beyond the announcement, identified at reception


@dataclass(frozen=True)
class Gift:
    """One donation: announced, then received three days later (unless ``received`` is
    False: the workshop's next job), at the workshop."""

    days_ago: int
    partner: str
    hardware: tuple[Hardware, ...] = ()
    cards: tuple[tuple[str, str, int, int], ...] = ()  # operator, product, face value, count
    cards_short: int = 0  # cards counted short of the announcement
    minutes: int = 0
    data_mb: int = 0
    received: bool = True


GIFTS = [
    Gift(
        180,
        DEMO_PARTNER,
        (Hardware("smartphone", "Samsung", "Galaxy A52", 14, missing=2),),
        (("Orange", "Recharge 10 EUR", 1000, 80),),
        minutes=20_000,
    ),
    Gift(160, COMPANY, (Hardware("laptop", "Lenovo", "ThinkPad T480", 10, extra=1),)),
    Gift(
        130,
        DEMO_PARTNER,
        (Hardware("smartphone", "Apple", "iPhone 8", 12),),
        (("SFR", "Recharge 5 EUR", 500, 60),),
        cards_short=2,
        data_mb=50_000,
    ),
    Gift(
        100,
        CITY_HALL,
        (
            Hardware("tablet", "Samsung", "Galaxy Tab A", 8),
            Hardware("laptop", "HP", "EliteBook 840", 6, missing=1),
        ),
    ),
    Gift(
        70,
        DEMO_PARTNER,
        (Hardware("smartphone", "Fairphone", "3", 12),),
        (("Orange", "Recharge 10 EUR", 1000, 80),),
        minutes=20_000,
    ),
    Gift(40, COMPANY, (Hardware("laptop", "Dell", "Latitude 5490", 8, missing=1),)),
    Gift(
        20,
        DEMO_PARTNER,
        (Hardware("smartphone", "Samsung", "Galaxy S9", 14, extra=1),),
        (("SFR", "Recharge 5 EUR", 500, 40),),
    ),
    Gift(
        3,
        DEMO_PARTNER,
        (Hardware("smartphone", "Apple", "iPhone SE", 6),),
        (("Orange", "Recharge 10 EUR", 1000, 20),),
        received=False,
    ),
]

FIRST_NAMES = [
    "Amina", "Bernard", "Chloé", "Djibril", "Élodie", "Farid", "Gisèle", "Hugo", "Ibrahim",
    "Julie", "Karim", "Léa", "Mamadou", "Nathalie", "Omar", "Patricia", "Quentin", "Rachid",
    "Sophie", "Thierry", "Ursula", "Victor", "Wassila", "Xavier", "Yasmine", "Zoé",
]  # fmt: skip
LAST_INITIALS = "ABCDEFGHJKLMNPRSTV"
