"""Ready-made touchpoint rule sets: GA4, an e-commerce clickstream, and stage suggestions for
the touchpoint names teams use most (English and French).

A set is a list of `Rule`s; `rules use NAME` puts it after the rules already there, replacing
an earlier copy of the same set. Stages are the default model's keys; a store with another
model gets the purchase rules on its conversion stage and no rule for a stage it lacks.
"""

from __future__ import annotations

from journey.db.rules import Rule

# GA4's automatic events that say nothing about the customer's path.
GA4_NOISE = ("session_start", "user_engagement", "scroll", "first_visit")

# GA4's default channel grouping from session source / medium, one condition per rule (GA4
# combines source and medium; this order gives the same answer for the usual pairs). The GA4
# layout imports session_medium as the channel, so the medium rules read `channel`.
_GA4_CHANNELS: list[tuple[str, str, str, str]] = [
    ("session_source", "one_of", "(direct)", "Direct"),
    ("channel", "one_of", "email|e-mail|e_mail|e mail|newsletter", "Email"),
    ("channel", "one_of", "cpc|ppc|paidsearch|paid search", "Paid Search"),
    ("channel", "one_of", "paidsocial|paid-social|paid_social|social-paid|social paid",
     "Paid Social"),
    ("channel", "one_of", "display|banner|expandable|interstitial|cpm", "Display"),
    ("channel", "one_of", "organic", "Organic Search"),
    ("channel", "one_of",
     "social|social-network|social-media|sm|social network|social media", "Organic Social"),
    ("session_source", "regex",
     r"(?i:^(?:[a-z]+\.)?(?:facebook|instagram|linkedin|pinterest|tiktok|twitter|reddit"
     r"|snapchat|youtube)\.[a-z.]+$|^t\.co$|^x\.com$)", "Organic Social"),
    ("channel", "one_of", "affiliate|affiliates", "Affiliates"),
    ("channel", "one_of", "sms", "SMS"),
    ("channel", "one_of", "referral", "Referral"),
    ("session_source", "regex",
     r"(?i:^(?:www\.)?(?:google|bing|yahoo|duckduckgo|ecosia|qwant|baidu|yandex)\.[a-z.]+$)",
     "Organic Search"),
    ("channel", "one_of", "(none)|(not set)", "Direct"),
]


def ga4() -> list[Rule]:
    s = "ga4"
    rules = [Rule("touchpoint", "one_of", "|".join(GA4_NOISE), "hide", rule_set=s)]
    # A page view is the page it shows: its title, else its path.
    rules += [
        Rule("page_title", "regex", r"^\s*(\S.*?)\s*$", "touchpoint", r"\1",
             only_for="page_view", rule_set=s),
        Rule("page_location", "regex", r"^(?:[a-zA-Z]+://[^/?#]*)?(/[^?#]*)", "touchpoint",
             r"\1", only_for="page_view", rule_set=s),
    ]
    rules += [Rule(f, k, p, "channel", v, rule_set=s) for f, k, p, v in _GA4_CHANNELS]
    return rules


def ecommerce() -> list[Rule]:
    s = "ecommerce"
    names = [("view|view_item|product_view", "Product page", "consideration"),
             ("cart|add_to_cart", "Cart", "consideration"),
             ("remove_from_cart", "Removed from cart", "consideration"),
             ("purchase", "Purchase", "purchase")]
    rules = [Rule("touchpoint", "one_of", raw, "touchpoint", name, rule_set=s)
             for raw, name, _ in names]
    # Stage rules see the renamed touchpoint.
    rules += [Rule("touchpoint", "equals", name, "stage", stage, rule_set=s)
              for _, name, stage in names]
    return rules


# The touchpoint names teams use most, English and French, by stage.
_STAGE_NAMES: dict[str, str] = {
    "awareness": "Ad|Advert|Advertising|Instagram ad|Facebook ad|Search ad|Social media|Blog"
                 "|Home page|Homepage|Publicité|Pub|Réseaux sociaux|Page d'accueil|Accueil",
    "consideration": "Product page|Category page|Search|Cart|Basket|Pricing|Comparison"
                     "|Store visit|Fiche produit|Page produit|Catégorie|Recherche|Panier|Tarifs"
                     "|Comparateur|Visite en magasin",
    "purchase": "Purchase|Order|Payment|Checkout|Order confirmation|Achat|Commande|Paiement"
                "|Confirmation de commande",
    "retention": "Delivery|Order tracking|Customer service|Hotline|Support|Newsletter|Return"
                 "|Livraison|Suivi de commande|Service client|SAV|Retour",
    "advocacy": "Review|Rating|Referral|Share|Avis client|Note|Parrainage|Partage",
}


def stages() -> list[Rule]:
    return [Rule("touchpoint", "one_of", names, "stage", stage, rule_set="stages")
            for stage, names in _STAGE_NAMES.items()]


SETS = {"ga4": ga4, "ecommerce": ecommerce, "stages": stages}


def rule_set(name: str, model: set[str], conversion: str = "purchase") -> list[Rule]:
    """The set `name` fitted to a stage model (`model`: its stage keys)."""
    out = []
    for rule in SETS[name]():
        if rule.action == "stage":
            stage = conversion if rule.value == "purchase" else rule.value
            if stage not in model:
                continue
            rule = Rule(rule.field, rule.kind, rule.pattern, rule.action, stage, rule.only_for,
                        rule.rule_set)
        out.append(rule)
    return out
