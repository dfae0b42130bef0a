"""Write the request-understanding evaluation sets (see README.md beside this file).

    python eval/requests/make_requests.py --data-dir ../shared/data

Everything is written from the hand-written phrase lists below with a seeded generator, so a run
reproduces the committed files byte for byte. MusicRecoNER is never read here (its test split is
for measuring only); HetRec is read to pick the "like X" artists (by listener count) and to check
that every content tag exists in the catalog.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from nlrec.evaluation.requests import load_hetrec_catalog  # noqa: E402

SEED = 13

# -- negation -------------------------------------------------------------------------------------
BASES = [
    "chill lofi beats", "upbeat indie rock", "sad piano songs", "dark ambient", "songs for a road trip",
    "relaxing music to study", "90s alt rock", "hype workout music", "jazz for a dinner party",
    "dreamy shoegaze", "old school hip hop", "melodic metal", "acoustic folk", "synthwave",
    "songs to fall asleep to", "happy summer pop", "atmospheric post rock", "funky soul",
    "emotional rnb", "epic orchestral music",
]
NEG_TEMPLATES = [
    ("{b} without {f}", None), ("{b} but no {f}", None), ("looking for {b}, no {f} please", None),
    ("any {b} that isn't {f}?", None), ("{b} (no {f})", None), ("non {f} {b}", "adj"),
    ("tired of {f}, need {b}", None), ("anything but {f}", None), ("{b} other than {f}", None),
    ("{b} minus the {f}", None), ("{b} w/o {f}", None), ("{b} but please no {f} at all", None),
    ("i want {b} that doesn't have {f}", None), ("{b} except {f}", None), ("{b} with no {f}", None),
    ("{b}, nothing with {f}", None), ("{b} but i don't want {f}", None), ("{b}, not too {f}", "adj"),
    ("{b} that is not {f}", "adj"), ("non-{f} {b}", "adj"),
]
NOUN_FACETS = ["vocals", "drums", "autotune", "dubstep", "screaming", "electric guitar", "synths",
               "male vocals", "female vocals", "rap", "country", "piano", "saxophone", "bass drops",
               "swearing", "guitar solos"]
ADJ_FACETS = ["sad", "slow", "loud", "fast", "creepy", "aggressive", "cheesy", "satanic", "poppy"]
TITLE_TRAPS = [
    ("No Quarter", "Led Zeppelin"), ("Ain't No Sunshine", "Bill Withers"), ("A Horse with No Name", "America"),
    ("No Surprises", "Radiohead"), ("No Scrubs", "TLC"), ("Nothing Else Matters", "Metallica"),
    ("Don't Stop Believin'", "Journey"), ("Not Afraid", "Eminem"), ("No Woman, No Cry", "Bob Marley"),
    ("Without Me", "Eminem"), ("Never Gonna Give You Up", "Rick Astley"), ("No Diggity", "Blackstreet"),
    ("Don't Look Back in Anger", "Oasis"), ("I Don't Want to Miss a Thing", "Aerosmith"),
    ("No Rain", "Blind Melon"), ("No One Knows", "Queens of the Stone Age"), ("Don't Panic", "Coldplay"),
    ("No Children", "The Mountain Goats"), ("Nothing Compares 2 U", "Sinead O'Connor"),
    ("Not Gonna Get Us", "t.A.T.u."),
]
TITLE_FRAMES = ['songs like "{t}" by {a}', "anything similar to {t} by {a}?", "{a} - {t}, more like this please",
                "looking for songs with the vibe of {a}'s {t}"]
EVERYDAY_TRAPS = [
    "not sure if this is the right sub but i need {b}", "im not picky, just {b}", "{b}, not unlike the stuff i posted",
    "no idea what this genre is called but i want more {b}", "i dont know what its called, kind of {b}",
    "not really sure how to describe it, {b}", "{b}, doesn't matter the decade", "{b}, no matter how obscure",
    "{b} and not just the popular ones", "nothing but {b}", "rap with traditional japanese instrumentals",
    "lofi instrumentals for {b}", "no doubt about it, i need {b}", "{b}. not even kidding, anything helps",
    "i can't find {b} anywhere", "{b} that never gets old", "never heard anything like it, {b}",
    "{b}, not a problem if it's old", "no clue where to start with {b}", "{b} but not necessarily mainstream",
]
MIXED = [
    ('songs like "No Quarter" by Led Zeppelin but without the guitar solos', ["guitar solos"]),
    ("Ain't No Sunshine vibes, no drums", ["drums"]),
    ("not sure if this is the right place, but chill beats without vocals", ["vocals"]),
    ("im not picky, anything but country", ["country"]),
    ("something like No Surprises by Radiohead but not too sad", ["sad"]),
    ("Don't Panic by Coldplay style, no autotune please", ["autotune"]),
    ("no idea what it's called, jazzy hip hop with no rap", ["rap"]),
    ("rap with japanese instrumentals but no autotune", ["autotune"]),
    ("A Horse with No Name by America but without the vocals", ["vocals"]),
    ("not picky about the era, just no screaming", ["screaming"]),
]
FILLERS = ["", "looking for ", "any suggestions for ", "i need more ", "can anyone recommend ", "help me find ",
           "recommend me ", "i'm looking for some ", "what are some good ", "hit me with your best "]
TAILS = ["", "?", " please", ", thanks!", " any genre is fine", ". thanks in advance", " :)", "!!"]
CLEAN_EXTRA = [
    "songs like {a}", "{a} vibes", "something similar to {a}", "music that sounds like {a}",
    "with female vocals", "with a heavy bassline", "for a rainy day", "from the 80s", "for the gym",
    "with lots of synths", "that feel nostalgic", "for a long drive at night", "with saxophone",
]
CLEAN_ARTISTS = ["Portishead", "Daft Punk", "Radiohead", "Bon Iver", "Tame Impala", "Massive Attack", "Nujabes",
                 "The Weeknd", "Fleetwood Mac", "Deftones", "Lana Del Rey", "Gorillaz"]


def negation_sets(rng: random.Random) -> tuple[list[dict], list[dict]]:
    neg: list[dict] = []
    combos = [(t, kind) for t, kind in NEG_TEMPLATES]
    for n in range(80):
        template, kind = combos[n % len(combos)]
        f = rng.choice(ADJ_FACETS if kind == "adj" else NOUN_FACETS)
        b = BASES[(n * 7) % len(BASES)]
        text = template.format(b=b, f=f)
        if n % 5 == 0:
            text = text.capitalize()
        neg.append({"text": text, "negative": [f], "group": "negation"})
    for t, a in TITLE_TRAPS:
        for frame in rng.sample(TITLE_FRAMES, 2):
            neg.append({"text": frame.format(t=t, a=a), "negative": [], "group": "trap-title"})
    for n, phrase in enumerate(EVERYDAY_TRAPS):
        for b in (BASES[n % len(BASES)], BASES[(n + 9) % len(BASES)]):
            neg.append({"text": phrase.format(b=b), "negative": [], "group": "trap-everyday"})
    for text, facets in MIXED:
        neg.append({"text": text, "negative": facets, "group": "mixed"})
    clean = []
    seen = set()
    while len(clean) < 200:
        b = rng.choice(BASES)
        extra = rng.choice(CLEAN_EXTRA).format(a=rng.choice(CLEAN_ARTISTS))
        text = f"{rng.choice(FILLERS)}{b} {extra}{rng.choice(TAILS)}".strip()
        if rng.random() < 0.3:
            text = text.capitalize()
        if text not in seen:
            seen.add(text)
            clean.append({"text": text, "negative": [], "group": "clean"})
    return neg, clean


# -- like X --------------------------------------------------------------------------------------
LIKE_TEMPLATES = [
    "songs like {x}", "anything similar to {x}?", "{x} vibes", "bands like {x}", "artists similar to {x}",
    "i love {x}, what else should i listen to?", "looking for music like {x}", "more stuff like {x} please",
    "{x}-esque music", "fans of {x}, what else do you listen to?", "something that sounds like {x}",
    "Recommend me artists like {x}", "if you like {x} what else would you recommend",
    "Need more bands in the style of {x}", "just discovered {x}, need more like that",
]
LIKE_EXTRA = ["but more upbeat", "but heavier", "but more chill", "with female vocals", "but more acoustic",
              "but darker"]


def _typo(name: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(name[:-1]) if i > 0 and name[i - 1].isalpha() and c.isalpha()
               and name[i + 1].isalpha() and c != name[i + 1]]
    if len(name) < 7 or not letters:
        return name
    i = rng.choice(letters)  # swap two letters inside one word, never its first letter
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def like_x_set(data_dir: str, rng: random.Random, n: int = 180, min_listeners: int = 50) -> list[dict]:
    het = load_hetrec_catalog(data_dir)
    pool = sorted(
        (a for a, ls in het.listeners.items() if len(ls) >= min_listeners and len(het.tags.get(a, ())) >= 5
         and a in het.names),
        key=int,
    )
    picked = sorted(rng.sample(pool, min(n, len(pool))), key=int)
    out = []
    for k, a in enumerate(picked):
        name = het.names[a]
        variant = ["plain", "lower", "plain", "typo", "extra", "plain"][k % 6]
        x = name.lower() if variant == "lower" else _typo(name, rng) if variant == "typo" else name
        text = LIKE_TEMPLATES[k % len(LIKE_TEMPLATES)].format(x=x)
        if variant == "extra":
            text = text.rstrip("?") + " " + rng.choice(LIKE_EXTRA)
        out.append({"id": f"like-{k:03d}", "text": text, "artist_id": a, "artist": name, "variant": variant,
                    "listeners": len(het.listeners[a])})
    return out


# -- content -------------------------------------------------------------------------------------
#: (how a request says it, HetRec tags it wants). Spelling variants on purpose.
CONTENT_FACETS = [
    ("chill", ["chillout", "chill"]), ("lofi", ["lo-fi"]), ("lo-fi", ["lo-fi"]), ("hiphop", ["hip-hop", "hip hop"]),
    ("hip hop", ["hip-hop", "hip hop"]), ("r&b", ["rnb"]), ("rnb", ["rnb"]), ("r and b", ["rnb"]),
    ("trip hop", ["trip-hop"]), ("triphop", ["trip-hop"]), ("eighties", ["80s"]), ("80s", ["80s"]),
    ("90's", ["90s"]), ("nineties", ["90s"]), ("synth-pop", ["synthpop", "synth pop"]), ("synthpop", ["synthpop", "synth pop"]),
    ("post rock", ["post-rock", "post rock"]), ("postpunk", ["post-punk"]), ("shoegaze", ["shoegaze"]),
    ("dream pop", ["dream pop"]), ("female vocals", ["female vocalists", "female vocalist"]),
    ("sad", ["sad"]), ("melancholic", ["melancholic", "melancholy"]), ("happy", ["happy"]), ("mellow", ["mellow"]),
    ("relaxing", ["relaxing", "relax"]), ("atmospheric", ["atmospheric"]), ("ambient", ["ambient"]),
    ("piano", ["piano"]), ("acoustic", ["acoustic"]), ("instrumental", ["instrumental"]),
    ("jazz", ["jazz"]), ("soul", ["soul"]), ("funk", ["funk"]), ("metal", ["metal", "heavy metal"]),
    ("death metal", ["death metal"]), ("black metal", ["black metal"]), ("punk", ["punk", "punk rock"]),
    ("pop punk", ["pop punk"]), ("emo", ["emo"]), ("grunge", ["grunge"]), ("indie", ["indie"]),
    ("indie pop", ["indie pop"]), ("folk", ["folk"]), ("country", ["country"]), ("blues", ["blues"]),
    ("reggae", ["reggae"]), ("techno", ["techno"]), ("house", ["house"]), ("trance", ["trance"]),
    ("edm", ["dance", "electronic"]), ("electro", ["electro"]), ("industrial", ["industrial"]),
    ("classical", ["classical"]), ("gothic", ["gothic"]), ("psychedelic", ["psychedelic"]),
    ("new wave", ["new wave"]), ("britpop", ["britpop"]), ("j-pop", ["j-pop"]), ("kpop", ["k-pop"]),
    ("french", ["french"]), ("brazilian", ["brazilian"]), ("japanese", ["japanese"]), ("romantic", ["romantic"]),
    ("dark", ["dark"]), ("epic", ["epic"]), ("dreamy", ["dreamy"]), ("catchy", ["catchy"]), ("party", ["party"]),
    ("summer", ["summer"]), ("love songs", ["love songs", "love"]), ("singer songwriter", ["singer-songwriter"]),
    ("downtempo", ["downtempo"]), ("noise", ["noise"]), ("screamo", ["screamo"]), ("disco", ["disco"]),
]
CONTENT_TEMPLATES = [
    "{f}{a} {b}{t}", "{f}{a} and {b} music{t}", "{f}something {a} with a {b} feel{t}", "{f}{a} {b} songs{t}",
    "{f}{a} {b} to listen to at night{t}", "{f}{b} but {a}{t}", "{f}more {a} {b} stuff{t}",
]
CONTENT_NEG = ["without {x}", "but no {x}", "not {x}", "nothing {x}", "anything but {x}", "non {x}"]


def content_set(data_dir: str, rng: random.Random, n: int = 220) -> list[dict]:
    het = load_hetrec_catalog(data_dir)
    vocab = set(het.vocabulary(min_artists=20))
    facets = [(say, [t for t in tags if t in vocab]) for say, tags in CONTENT_FACETS]
    facets = [(say, tags) for say, tags in facets if tags]
    out, seen = [], set()
    while len(out) < n:
        (sa, ta), (sb, tb) = rng.sample(facets, 2)
        if set(ta) & set(tb):
            continue
        text = rng.choice(CONTENT_TEMPLATES).format(f=rng.choice(FILLERS), a=sa, b=sb, t=rng.choice(TAILS))
        exclude: list[list[str]] = []
        if rng.random() < 0.3:
            sx, tx = rng.choice([f for f in facets if not set(f[1]) & (set(ta) | set(tb))])
            text += " " + rng.choice(CONTENT_NEG).format(x=sx)
            exclude.append(tx)
        if rng.random() < 0.25:
            text = text.capitalize()
        text = " ".join(text.split())
        if text in seen:
            continue
        seen.add(text)
        out.append({"id": f"content-{len(out):03d}", "text": text, "want": [ta, tb], "exclude": exclude})
    for k, t in enumerate(["any suggestions?", "looking for something new, any recommendations?",
                           "i need more songs with this vibe", "help me find new music please!",
                           "what should i listen to next?"]):
        out.append({"id": f"empty-{k}", "text": t, "want": [], "exclude": []})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data-dir", default="../shared/data")
    args = ap.parse_args()
    rng = random.Random(SEED)
    neg, clean = negation_sets(rng)
    sets = {
        "negation.jsonl": neg,
        "no_negation.jsonl": clean,
        "like_x.jsonl": like_x_set(args.data_dir, rng),
        "content.jsonl": content_set(args.data_dir, rng),
    }
    for name, rows in sets.items():
        (HERE / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{name}: {len(rows)}")


if __name__ == "__main__":
    main()
