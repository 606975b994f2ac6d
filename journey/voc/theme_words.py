"""The words themes are made of: French and English stop words, generic praise and blame
(which say how, not what about), and the light stemming that counts "livraison" and
"livraisons", "Livraison" and "livraison" once.

Kept apart from the lexicon: a stop word for a theme ("magasin" is in every comment of a
shop's survey) is not a stop word for the language detector, and the reverse.
"""

from __future__ import annotations

import re
import unicodedata

STOP_FR = frozenset("""
a ai aie aient aies ait al alors as au aucun aucune aupres aura aurai auraient aurais aurait
auras aurez auriez aurions aurons auront aussi autre autres aux avaient avais avait avant avec
avez aviez avions avoir avons ayant ayez ayons c ca ce ceci cela celle celles celui cependant
certain certaine certaines certains ces cet cette ceux chaque chez ci comme comment d dans de
des deja depuis devrait dire dit dois doit donc dont du elle elles en encore entre es est et
etaient etais etait etant etc ete etes etiez etions etre eu eue eues eumes eurent eus eusse
eut eux fait faire fais faut fois font furent fus fut ici il ils j je jusqu l la le les leur
leurs lors lui m ma mais me meme memes mes moi moins mon n ne ni nos notre nous on ont ou par
parce pas peu peut peuvent pu plus plutot pour pourquoi pourrait puis qu quand que quel quelle
quelles quels qui quoi s sa sans se sera serai seraient serait seras serez seront ses si
sien soi soient sois soit sommes son sont sous suis sur t ta tant te tes toi ton tous tout
toute toutes tres trop tu un une unes uns vos votre vous vu y deux jai cest ya quil nai
vais va vont fois chose choses etc jamais toujours souvent parfois vraiment assez beaucoup
rien personne ras merci bonjour madame monsieur cordialement svp part ainsi afin lorsque
lequel laquelle lesquels cas dont car apres avant aujourd hui bref enfin
""".split())

STOP_EN = frozenset("""
a about above after again against all also am an and any are aren as at be because been
before being below between both but by can cannot could couldn d did didn do does doesn doing
don down during each few for from further get gets got had hadn has hasn have haven having he
her here hers herself him himself his how i if in into is isn it its itself just ll m me
might more most much must mustn my myself need needs no nor not now o of off on once only or
other our ours ourselves out over own re s same shan she should shouldn so some such t than
that the their theirs them themselves then there these they this those through to too under
until up us ve very was wasn we were weren what when where which while who whom why will with
won would wouldn y you your yours yourself yourselves thing things lot lots really still
even ever also always sometimes way make makes made use using used want like would im
dont cant ive thats thank thanks please one would could etc many every bit
""".split())

# How, not what about: a theme of "très bien" or "great" would group praise, not a subject.
GENERIC = frozenset("""
bien bon bonne bons bonnes super top parfait parfaite parfaits excellent excellente
genial geniale agreable agreables satisfait satisfaite content contente tres mauvais
mauvaise nul nulle correct correcte ok okay bof mal mieux meilleur meilleure sympa
good great nice excellent perfect awesome amazing love loved like best better bad worse
worst poor fine well happy overall pretty quite lovely redire nickel impeccable
""".split())

STOP = STOP_FR | STOP_EN | GENERIC

# The same subject in English and French counts once (keyed by the French stem): a store
# with answers in both languages gets one "livraison · retard" theme, not two. The label
# shows whichever word its comments use most. Only the subjects customer service talks
# about; anything else stays in its own language.
SAME = {
    "delivery": "livraison", "deliverie": "livraison", "late": "retard", "delay": "retard",
    "delayed": "retard", "price": "prix", "expensive": "cher", "wait": "attente",
    "waiting": "attente", "queue": "attente", "till": "caisse", "checkout": "caisse",
    "cashier": "caisse", "staff": "personnel", "employee": "personnel", "advice": "conseil",
    "payment": "paiement", "card": "carte", "refund": "remboursement", "parcel": "colis",
    "package": "colis", "order": "commande", "product": "produit", "choice": "choix",
    "quality": "qualite", "welcome": "accueil", "shop": "magasin", "store": "magasin",
    "hotline": "hotline", "phone": "telephone", "app": "application", "application":
    "application", "website": "site", "site": "site", "stock": "stock", "return": "retour",
}

_TOKEN = re.compile(r"[a-z]+")


def fold(text: str) -> str:
    """Lower case without accents: "Livraison", "LIVRAISON" and "lívraison" read alike."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def stem(word: str) -> str:
    """Light stemming, plural only: livraisons -> livraison, bureaux -> bureau, prices ->
    price. Deliberately no more: a label is read by people, so its words must stay words."""
    if len(word) > 4 and word.endswith("eaux"):
        return word[:-1]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[tuple[str, str]]:
    """(stem, surface word) of each word that can name a subject, in order: stop words,
    generic praise or blame, numbers and one- or two-letter words left out."""
    out: list[tuple[str, str]] = []
    for surface in re.findall(r"[^\W\d_]+", text.lower()):
        folded = fold(surface)
        if len(folded) < 3 or not _TOKEN.fullmatch(folded) or folded in STOP:
            continue
        key = stem(folded)
        key = SAME.get(key, key)
        if key in STOP:
            continue
        out.append((key, surface))
    return out


def terms(text: str) -> list[str]:
    """The terms a comment is described by: its stems and the pairs of stems that follow
    each other once stop words are out ("delai attente", "caisse ouverte")."""
    return terms_of(words(text))


def terms_of(pairs: list[tuple[str, str]]) -> list[str]:
    """`terms` of a comment already split by `words`."""
    stems = [k for k, _ in pairs]
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False) if a != b]
