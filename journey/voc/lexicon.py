"""The hand-written French and English sentiment lexicon: words, idioms, negators, boosters.

Words are stored lower-case and without accents (the scorer folds text the same way), so
"agréable", "agreable" and a till's "AGREABLE" match alike. Values run from -1 (strongly
negative) to +1. Idioms are matched on the folded text before words, and their words are then
skipped: "pas terrible" is negative although "terrible" alone would be scored by negation.
"""

from __future__ import annotations

# Multi-word expressions whose meaning is not the sum of their words (mostly because a
# negation flips or cancels it). Longest first is enforced by the scorer.
IDIOMS: dict[str, float] = {
    # French
    "pas terrible": -0.7, "pas top": -0.7, "pas genial": -0.6, "pas fameux": -0.6,
    "pas mal": 0.5, "pas si mal": 0.4, "pas trop mal": 0.4, "pas mauvais": 0.4,
    "rien a redire": 0.9, "rien a dire": 0.6, "rien a signaler": 0.4, "ras": 0.4,
    "sans plus": -0.1, "sans probleme": 0.6, "sans souci": 0.6, "sans soucis": 0.6,
    "aucun probleme": 0.6, "aucun souci": 0.6, "pas de probleme": 0.5, "pas de souci": 0.5,
    "pas de soucis": 0.5, "rien de special": -0.2, "rien de particulier": 0.0,
    "n importe quoi": -0.9, "merci pour rien": -1.0, "a fuir": -1.0, "a eviter": -0.9,
    "je recommande": 0.8, "je ne recommande pas": -0.9, "je vous recommande": 0.8,
    "au top": 0.9, "du bon travail": 0.8, "rien ne va": -0.9, "peut mieux faire": -0.5,
    "laisse a desirer": -0.7, "laissent a desirer": -0.7, "pas a la hauteur": -0.8,
    "on se fout": -0.9, "se foutant": -0.9, "aucun conseil": -0.6, "aucune reponse": -0.7,
    "toujours pas": -0.6, "toujours rien": -0.7, "jamais recu": -0.9, "jamais arrive": -0.9,
    "pas recu": -0.8, "rien recu": -0.8, "pas arrive": -0.7, "bien recu": 0.5,
    "trop cher": -0.7, "trop chers": -0.7, "trop chere": -0.7, "trop long": -0.6,
    "trop longue": -0.6, "trop d attente": -0.7, "pas assez": -0.5, "pas de choix": -0.5,
    "pas d accord": -0.4, "c est correct": 0.2, "ca va": 0.2, "ca marche": 0.3,
    "en panne": -0.6, "hors service": -0.6, "ne fonctionne pas": -0.8, "ne marche pas": -0.8,
    "ne marche plus": -0.8, "ne fonctionne plus": -0.8, "bravo pour l attente": -0.8,
    "que du bonheur": 0.9, "tourne en rond": -0.6, "tournent en rond": -0.6,
    "trop eleve": -0.7, "trop eleves": -0.7, "trop elevee": -0.7, "trop elevees": -0.7,
    "pas normal": -0.6, "pas pu": -0.5, "regle mon probleme": 0.7, "resolu mon probleme": 0.7,
    "bon de reduction": 0.0, "bons de reduction": 0.0, "bon d achat": 0.0,
    "bons d achat": 0.0, "personne ne repond": -0.8, "ne comprend rien": -0.6,
    "comme d habitude": 0.1, "un peu cher": -0.4, "un peu long": -0.4,
    # English
    "not bad": 0.5, "not too bad": 0.4, "not great": -0.6, "not good": -0.6,
    "not the best": -0.5, "could be better": -0.4, "could not be better": 0.9,
    "couldn t be better": 0.9, "can t complain": 0.5, "cannot complain": 0.5,
    "nothing to complain": 0.7, "no complaints": 0.7, "no problem": 0.5, "no problems": 0.5,
    "no issue": 0.5, "no issues": 0.5, "thanks for nothing": -1.0, "waste of time": -0.9,
    "waste of money": -0.9, "never again": -0.9, "never arrived": -0.9, "never received": -0.9,
    "still waiting": -0.7, "still not": -0.6, "not received": -0.8, "not working": -0.8,
    "doesn t work": -0.8, "does not work": -0.8, "didn t work": -0.8, "stopped working": -0.8,
    "too expensive": -0.7, "too long": -0.6, "too slow": -0.7, "too many": -0.3,
    "hard to": -0.5, "difficult to": -0.5, "easy to": 0.5, "would recommend": 0.8,
    "highly recommend": 0.9, "wouldn t recommend": -0.9, "would not recommend": -0.9,
    "on hold": -0.4, "yeah right": -0.6, "as if": -0.3, "so far so good": 0.5,
    "works well": 0.6, "works great": 0.8, "top notch": 0.9, "spot on": 0.7,
    "let down": -0.6, "fell apart": -0.8, "ripped off": -0.9, "rip off": -0.9,
    "great job": 0.8, "well done": 0.7, "lack of": -0.5, "no way to": -0.5,
    "not easy": -0.5, "not intuitive": -0.6, "not sure": -0.1, "just ok": 0.0,
    "just okay": 0.0, "it s ok": 0.2, "it s okay": 0.2, "nothing special": -0.2,
    "what a joke": -0.9, "round in circles": -0.6, "too high": -0.7, "not normal": -0.6,
    "not enough": -0.5, "not been able": -0.6, "unable to": -0.6, "cannot be reached": -0.7,
    "can t be reached": -0.7, "could not be reached": -0.7, "nobody answers": -0.8,
    "no one answers": -0.8, "no answer": -0.6, "understands nothing": -0.6,
    "solved my problem": 0.7, "fixed my problem": 0.7, "sorted my problem": 0.7,
    "love it": 0.9, "love the": 0.7, "keep it up": 0.7,
}

WORDS: dict[str, float] = {
    # French positive
    "bien": 0.5, "tres bien": 0.8, "bon": 0.4, "bonne": 0.4, "bons": 0.4, "bonnes": 0.4,
    "excellent": 0.9, "excellente": 0.9, "parfait": 0.9, "parfaite": 0.9, "parfaitement": 0.8,
    "super": 0.8, "genial": 0.8, "geniale": 0.8, "top": 0.6, "agreable": 0.7,
    "agreables": 0.7, "sympa": 0.6, "sympathique": 0.6, "sympathiques": 0.6,
    "aimable": 0.6, "aimables": 0.6, "accueillant": 0.6, "accueillante": 0.6,
    "accueillants": 0.6, "chaleureux": 0.7, "chaleureuse": 0.7, "chaleureuses": 0.7,
    "souriant": 0.6, "souriante": 0.6, "souriants": 0.6, "souriantes": 0.6,
    "disponible": 0.4, "disponibles": 0.4, "competent": 0.6, "competente": 0.6,
    "competents": 0.6, "efficace": 0.6, "efficaces": 0.6, "rapide": 0.5, "rapides": 0.5,
    "rapidement": 0.5, "satisfait": 0.7, "satisfaite": 0.7, "satisfaits": 0.7,
    "content": 0.6, "contente": 0.6, "contents": 0.6, "ravi": 0.8, "ravie": 0.8,
    "merci": 0.4, "bravo": 0.7, "beau": 0.5, "belle": 0.5, "beaux": 0.5, "belles": 0.5,
    "magnifique": 0.8, "magnifiques": 0.8, "superbe": 0.8, "plaisant": 0.6, "plaisante": 0.6,
    "pratique": 0.4, "simple": 0.3, "facile": 0.5, "clair": 0.3, "claire": 0.3,
    "propre": 0.4, "serviable": 0.7, "serviables": 0.7, "professionnel": 0.5,
    "professionnelle": 0.5, "qualite": 0.3, "conseil": 0.1, "conseils": 0.1,
    "choix": 0.2, "large": 0.2, "diversite": 0.3, "recommande": 0.6, "adore": 0.8,
    "aime": 0.5, "j aime": 0.6, "apprecie": 0.6, "fidele": 0.5, "impeccable": 0.8,
    "nickel": 0.8, "formidable": 0.8, "attentionne": 0.6, "attentionnee": 0.6,
    "bienveillant": 0.6, "zen": 0.4, "spacieux": 0.4, "achalande": 0.4, "correct": 0.2,
    "correcte": 0.2, "abordable": 0.5, "abordables": 0.5, "interessant": 0.4,
    "interessants": 0.4, "vite": 0.3, "ponctuel": 0.5, "reactif": 0.6, "reactive": 0.6,
    "fiable": 0.6, "parfaits": 0.8, "felicitations": 0.8, "heureux": 0.7,
    "heureuse": 0.7, "ok": 0.1, "clairs": 0.3, "claires": 0.3,
    "resolu": 0.6, "resolue": 0.6, "regle": 0.3, "bloque": -0.6,
    # French negative
    "mauvais": -0.7, "mauvaise": -0.7, "nul": -0.9, "nulle": -0.9, "nuls": -0.9,
    "decu": -0.8, "decue": -0.8, "decus": -0.8, "decevant": -0.8, "deception": -0.8,
    "attente": -0.4, "attendre": -0.4, "attendu": -0.3, "long": -0.3, "longue": -0.3,
    "lent": -0.6, "lente": -0.6, "lents": -0.6, "lenteur": -0.6, "cher": -0.5,
    "chers": -0.5, "chere": -0.5, "cheres": -0.5, "probleme": -0.5, "problemes": -0.5,
    "souci": -0.4, "soucis": -0.4, "retard": -0.6, "retards": -0.6, "manque": -0.5,
    "manquent": -0.5, "manquait": -0.5, "rupture": -0.5, "absent": -0.5, "absents": -0.5,
    "desagreable": -0.8, "desagreables": -0.8, "impoli": -0.8, "impolie": -0.8,
    "incompetent": -0.8, "incompetente": -0.8, "incompetents": -0.8, "sale": -0.6,
    "dommage": -0.5, "regrette": -0.5, "regrettable": -0.6, "inadmissible": -0.9,
    "inacceptable": -0.9, "scandaleux": -0.9, "honteux": -0.9, "honte": -0.8,
    "horrible": -0.9, "catastrophe": -0.9, "catastrophique": -0.9, "lamentable": -0.9,
    "pire": -0.8, "arnaque": -0.9, "erreur": -0.4, "erreurs": -0.4, "panne": -0.6,
    "bug": -0.6, "bugs": -0.6, "plante": -0.3, "bloquee": -0.6,
    "refuse": -0.5, "refusee": -0.6, "annule": -0.4, "annulee": -0.4, "perdu": -0.5,
    "perdue": -0.5, "casse": -0.7, "cassee": -0.7, "abime": -0.6, "abimee": -0.6,
    "abimes": -0.6, "endommage": -0.7, "difficile": -0.5, "complique": -0.5,
    "compliquee": -0.5, "fuir": -0.8, "eviter": -0.6, "insuffisant": -0.6,
    "insuffisante": -0.6, "mediocre": -0.7, "moyen": -0.2, "moyenne": -0.2, "aucun": -0.2,
    "aucune": -0.2, "jamais": -0.3, "personne": -0.3, "injoignable": -0.8, "rembourse": 0.1,
    "remboursement": -0.2, "plainte": -0.6, "reclamation": -0.5, "agace": -0.6,
    "enerve": -0.7, "penible": -0.7, "ferme": -0.2, "fermee": -0.2, "vide": -0.4,
    "vides": -0.4, "desordre": -0.6, "bazar": -0.6, "fouillis": -0.6, "mal": -0.5,
    "malheureusement": -0.5, "helas": -0.5, "terrible": 0.0, "fuyard": -0.8,
    "debit": 0.0, "debite": -0.3, "deux fois": -0.3, "froid": -0.3, "froide": -0.3,
    "negative": -0.4, "negatif": -0.4, "minable": -0.9, "raccroche": -0.7,
    # English positive
    "good": 0.5, "great": 0.8, "amazing": 0.9, "awesome": 0.9,
    "perfect": 0.9, "love": 0.8, "loved": 0.8, "loves": 0.8, "like": 0.3, "liked": 0.4,
    "nice": 0.6, "friendly": 0.7, "helpful": 0.7, "easy": 0.5, "easily": 0.4,
    "intuitive": 0.7, "fast": 0.5, "quick": 0.5, "quickly": 0.5, "smooth": 0.6,
    "useful": 0.6, "fantastic": 0.9, "wonderful": 0.9, "brilliant": 0.9,
    "best": 0.7, "happy": 0.7, "pleased": 0.7, "satisfied": 0.7, "thanks": 0.4,
    "thank": 0.4, "recommend": 0.6, "recommended": 0.6, "reliable": 0.6, "polite": 0.6,
    "efficient": 0.6, "flexible": 0.5, "powerful": 0.6, "beautiful": 0.7, "elegant": 0.6,
    "enjoy": 0.6, "enjoyed": 0.6, "fun": 0.6, "convenient": 0.6, "responsive": 0.5,
    "professional": 0.5, "fine": 0.2, "okay": 0.1,
    "perfectly": 0.8, "available": 0.3, "solved": 0.6, "resolved": 0.6, "fixed": 0.5,
    "blocked": -0.6, "solid": 0.5,
    "superb": 0.9, "outstanding": 0.9, "impressive": 0.7, "impressed": 0.7,
    "seamless": 0.7, "versatile": 0.6, "handy": 0.5, "clean": 0.4, "clear": 0.3,
    "cool": 0.5, "lovely": 0.7, "on time": 0.5, "courteous": 0.6, "kind": 0.5,
    "exceeded": 0.6, "essential": 0.4, "collaborative": 0.4, "collaboration": 0.3,
    "affordable": 0.5, "worth": 0.4, "incredible": 0.8, "favorite": 0.7, "favourite": 0.7,
    # English negative
    "bad": -0.7, "poor": -0.7, "awful": -0.9, "horrible ": -0.9,
    "worst": -0.9, "hate": -0.8, "hated": -0.8, "slow": -0.6, "slowly": -0.5,
    "late": -0.6, "delay": -0.6, "delayed": -0.6, "delays": -0.6, "broken": -0.7,
    "damaged": -0.7, "missing": -0.6, "lost": -0.5, "wrong": -0.6, "error": -0.5,
    "errors": -0.5, "buggy": -0.7, "crash": -0.7, "crashes": -0.7,
    "crashed": -0.7, "freezes": -0.7, "froze": -0.7, "lag": -0.6, "laggy": -0.7,
    "lags": -0.6, "unstable": -0.7, "confusing": -0.6, "confused": -0.5,
    "complicated": -0.5, "difficult": -0.5, "hard": -0.3, "annoying": -0.7,
    "frustrating": -0.8, "frustrated": -0.8, "disappointed": -0.8, "disappointing": -0.8,
    "useless": -0.9, "rude": -0.8, "unhelpful": -0.8, "expensive": -0.5,
    "overpriced": -0.7, "pricey": -0.5, "problem": -0.5, "problems": -0.5, "issue": -0.4,
    "issues": -0.4, "fail": -0.7, "failed": -0.7, "fails": -0.7, "failure": -0.7,
    "refund": -0.3, "complaint": -0.6, "waiting": -0.4, "waited": -0.5, "wait": -0.3,
    "unacceptable": -0.9, "ridiculous": -0.8, "horrendous": -0.9, "mess": -0.6,
    "messy": -0.6, "clunky": -0.6, "cumbersome": -0.6, "wonky": -0.6, "glitchy": -0.7,
    "glitch": -0.6, "glitches": -0.6, "impossible": -0.6, "unfortunately": -0.5,
    "sadly": -0.5, "lacking": -0.5, "lacks": -0.5, "limited": -0.4, "limitation": -0.4,
    "limitations": -0.4, "cancelled": -0.4, "canceled": -0.4, "charged": -0.3,
    "overcharged": -0.8, "declined": -0.6, "rejected": -0.6, "nobody": -0.4,
    "never": -0.3, "meh": -0.4, "worse": -0.7, "scam": -0.9,
    "dirty": -0.6, "noisy": -0.4, "unclear": -0.5, "unreliable": -0.7,
    "ignored": -0.7, "hung": -0.5, "unusable": -0.9, "pain": -0.6, "painful": -0.7,
    "disconnect": -0.5, "disconnects": -0.6, "disconnected": -0.5, "sluggish": -0.6,
    "cluttered": -0.5, "costly": -0.5, "upset": -0.7, "angry": -0.8, "furious": -0.9,
    "joke": -0.5, "pathetic": -0.9, "nightmare": -0.9, "terribly": -0.7,
    "misleading": -0.7, "misled": -0.7,
}
# "terrible" in French is used both ways ("pas terrible" = poor, "c'est terrible" = great in
# speech, "un accueil terrible" = awful); in English it is negative. Kept per language below.
WORDS_EN: dict[str, float] = {"terrible": -0.9, "horrible": -0.9, "excellent": 0.9,
                              "sale": 0.0, "plante": 0.0, "personne": 0.0, "mal": 0.0,
                              "ferme": 0.0, "long": -0.2}
WORDS_FR: dict[str, float] = {"terrible": -0.3, "horrible": -0.9, "excellent": 0.9,
                              "like": 0.0, "fine": 0.0, "pain": 0.0, "hard": 0.0,
                              "kind": 0.0, "sale": -0.6, "wait": 0.0, "cool": 0.5}

# An opening "Great," / "Génial," followed by a complaint is irony: the opener then counts
# against (only when the rest of the comment is negative or says "again", "still"...).
IRONY_OPENERS = frozenset({
    "super", "genial", "bravo", "parfait", "excellent", "merci", "formidable", "magnifique",
    "great", "wonderful", "brilliant", "perfect", "fantastic", "awesome", "lovely", "thanks",
    "nice", "amazing",
})
COMPLAINT_CUES = frozenset({
    "encore", "toujours", "deja", "attente", "attendre", "heure", "heures", "semaines",
    "jours", "again", "another", "still", "hour", "hours", "weeks", "days", "just",
    "logged", "deconnecte", "right", "moment",
})

# Words that flip the polarity of the next few words.
NEGATORS = frozenset({
    "pas", "jamais", "plus", "aucun", "aucune", "sans", "ni", "guere", "rien", "nullement",
    "not", "no", "never", "without", "nor", "hardly", "barely", "isnt", "dont", "doesnt",
    "didnt", "cant", "cannot", "wont", "wasnt", "arent", "werent", "couldnt", "wouldnt",
    "shouldnt", "havent", "hasnt", "nothing", "none",
})
# "ne ... pas" also appears as "n'est pas": the folded text turns n't / n' into separate
# tokens "n t" / "n", so "t" after "n" (don't) marks an English negation.
EN_NT = "t"

# Degree words multiply the next sentiment word.
BOOSTERS: dict[str, float] = {
    "tres": 1.4, "vraiment": 1.4, "trop": 1.3, "tellement": 1.4, "extremement": 1.6,
    "particulierement": 1.4, "hyper": 1.5, "si": 1.2, "absolument": 1.5, "totalement": 1.4,
    "assez": 0.8, "peu": 0.6, "plutot": 0.8,
    "very": 1.4, "really": 1.4, "so": 1.3, "extremely": 1.6, "super": 1.5, "too": 1.3,
    "totally": 1.4, "absolutely": 1.5, "incredibly": 1.5, "quite": 0.9, "pretty": 0.9,
    "rather": 0.8, "slightly": 0.6, "bit": 0.6, "somewhat": 0.7, "truly": 1.4,
}

# A clause after these weighs more than the one before ("cher mais très bon accueil").
CONTRAST = frozenset({"mais", "cependant", "pourtant", "toutefois", "but", "however",
                      "although", "though", "yet"})

# Stop words for the language cue (frequent, short, and not shared by the two languages).
STOP_FR = frozenset({
    "le", "la", "les", "des", "du", "un", "une", "et", "est", "pas", "tres", "je", "j",
    "il", "elle", "nous", "vous", "ils", "que", "qui", "pour", "dans", "avec", "sur", "au",
    "aux", "ce", "c", "ces", "mais", "ou", "mon", "ma", "mes", "votre", "vos", "d", "l",
    "n", "ne", "qu", "s", "y", "en", "a", "ete", "avoir", "etait", "sont", "bien", "trop",
    "tout", "plus", "rien", "magasin", "personnel", "caisse", "merci", "attente", "livraison",
})
STOP_EN = frozenset({
    "the", "and", "is", "are", "was", "were", "it", "this", "that", "to", "of", "in", "for",
    "with", "on", "my", "i", "you", "your", "we", "they", "have", "has", "had", "not", "be",
    "but", "very", "so", "would", "can", "could", "will", "an", "at", "as", "from", "there",
    "what", "when", "which", "more", "easy", "use", "all", "just", "also", "really", "great",
    "good", "it's", "s", "t", "don", "no", "delivery", "app", "store",
})
