"""Well-known event names (GA4 recommended events, shop clickstreams, French equivalents):
the stage each suggests, and which of them are purchases (where a price is money received).

Conversion is "reached the purchase stage or a later one", so only events that prove a
purchase are put at `purchase` or later; checkout steps stay in `consideration` (a customer
who began a checkout and left has not bought).
"""

from __future__ import annotations

from journey.ingest.formats import norm

_STAGES: dict[str, tuple[str, ...]] = {
    "awareness": (
        "first_visit", "first_open", "session_start", "page_view", "screen_view",
        "view_promotion", "select_promotion", "ad_impression", "ad_click", "campaign_details",
        "première visite", "premiere visite", "visite", "publicité", "publicite",
    ),
    "consideration": (
        "view_item", "view_item_list", "select_item", "select_content", "search",
        "view_search_results", "add_to_wishlist", "add_to_cart", "remove_from_cart",
        "view_cart", "begin_checkout", "add_shipping_info", "add_payment_info",
        "generate_lead", "sign_up", "view", "cart", "product_view", "detail",
        "vue produit", "fiche produit", "recherche", "ajout au panier", "panier",
        "retrait du panier", "liste de souhaits", "début de commande", "inscription",
    ),
    "purchase": (
        "purchase", "in_app_purchase", "ecommerce_purchase", "transaction", "order_completed",
        "checkout_completed", "achat", "commande", "commande validée", "paiement validé",
    ),
    "retention": ("refund", "remboursement", "retour produit"),
}
SUGGESTED: dict[str, str] = {
    norm(name): stage for stage, names in _STAGES.items() for name in names
}
# Events where a price or value is money the customer paid (refunds are money given back).
PURCHASES: tuple[str, ...] = tuple(sorted({norm(n) for n in _STAGES["purchase"]}))


def suggested_stage(touchpoint: str) -> str | None:
    """The stage a well-known event name suggests, or None."""
    return SUGGESTED.get(norm(touchpoint))


def is_purchase(touchpoint: str) -> bool:
    return norm(touchpoint) in PURCHASES
