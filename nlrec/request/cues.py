"""The words that shape reference detection: cues before and after a name, stop and descriptor words.

Plain data (word sets, cue tuples, a few patterns), read by :mod:`nlrec.request.spans` and
:mod:`nlrec.request.detectors`; :mod:`nlrec.request.references` documents how they are used.
"""

from __future__ import annotations

import re
from typing import Literal

RefKind = Literal["artist", "track", "album"]
"""What a reference names."""
MAX_SPAN_WORDS = 5
MAX_MATCHES = 50
RARE_ZIPF = 2.5
"""A one-word name found without a cue is taken when its Zipf frequency is below this
("portishead"), or when it is capitalised in a request not in Title Case ("Mixtape" is not,
in "Looking for an Indie Mixtape"); a common one-word name ("Cold", "Ghost") needs a cue."""
CAPITAL_ZIPF = 3.3
"""A capitalised one-word name found without a cue is taken below this Zipf frequency
("Metallica" 3.2 is; "Mixtape" 3.3 is not)."""
REQUEST_WORDS = frozenset(
    "need recommendation recommendations suggestion suggestions request looking recommend suggest help "
    "listened listening warning songs music".split()
)
COLON_LEFT = frozenset(
    "ex eg edit update request note ps example examples genre genres artists songs bands looking title "
    "question help tldr mood vibe context background info".split()
)

WORD = re.compile(r"[^\W_]+(?:['\u2019.&+][^\W_]+)*\$?", re.UNICODE)
#: Cues after which a reference starts (lower-cased word sequences), longest first.
CUES_BEFORE: tuple[tuple[str, ...], ...] = tuple(sorted((tuple(c.split()) for c in (
    "like", "similar to", "similar with", "simular to", "similiar to", "sounds like", "sound like",
    "in the style of", "style of", "in the vein of", "vein of", "along the lines of", "reminiscent of",
    "reminds me of", "remind me of", "fans of", "fan of", "such as", "inspired by", "influenced by",
    "akin to", "comparable to", "close to", "similar in style to", "similar in sound to", "similar bands to", "similar artists to",
    "similar songs to", "similar music to", "similar stuff to", "similar tunes to", "similar tracks to",
    "i love", "i really love", "im into", "really into", "got into", "addicted to", "obsessed with",
    "listening to", "a fan of", "huge fan of", "big fan of", "ft", "feat", "featuring", "prod by", "e g", "eg", "ala", "a la", "think", "same vibe as",
    "the likes of", "vibe of", "feel of", "sound of", "sounds of", "mixed with", "meets", "x",
)), key=len, reverse=True))
CUES_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {}
CUES_BY_LAST: dict[str, tuple[tuple[str, ...], ...]] = {}
for _c in CUES_BEFORE:
    CUES_BY_FIRST[_c[0]] = (*CUES_BY_FIRST.get(_c[0], ()), _c)
    CUES_BY_LAST[_c[-1]] = (*CUES_BY_LAST.get(_c[-1], ()), _c)
del _c
#: Requests to play something ("play Paper Crowns"): the name after them is a lookup, kept only
#: when it resolves in the catalog ("play road trip songs" names nothing).
PLAY_CUES: tuple[tuple[str, ...], ...] = (
    ("play", "me"), ("put", "on"), ("queue", "up"), ("listen", "to"), ("play",), ("queue",)
)
#: Cues after a reference: "Portishead vibes", "Drake type beat".
CUES_AFTER: tuple[str, ...] = ("vibes", "vibe", "type beat", "type beats", "esque", "ish", "inspired", "style",
                               "fan", "fans", "album", "albums", "song", "songs", "discography", "ep",
                               "music", "stuff", "tracks", "cover", "covers", "remix", "sound")
BY = frozenset({"by", "from"})
FEAT = frozenset({"ft", "feat", "featuring"})
#: The noun before a cue says what the reference is: "songs like X" (a track), "bands like X".
HEAD_KINDS: dict[str, RefKind] = {
    **dict.fromkeys("song songs track tracks tune tunes single singles".split(), "track"),
    **dict.fromkeys("album albums record records ep eps lp".split(), "album"),
    **dict.fromkeys("band bands artist artists singer singers rapper rappers group groups musicians "
                    "producers djs".split(), "artist"),
}
#: After-cues that also follow plain words ("sad songs"): they cue only names that are no word.
WEAK_AFTER = frozenset("album albums song songs ep music stuff tracks cover covers remix sound style".split())
#: Words that end a lower-case span.
STOP_WORDS = frozenset(
    """but and or with that which who whom for to in on at is are was were be been it its this
    these those because since though although while when where if so as than then please pls
    thanks thank any anything something some songs song music tracks track stuff tunes artists
    artist bands band albums album vibes vibe type esque ish more less very really just also
    kind sort not no without except i im me my we you your they them he she his her their him us am
    like similar from by style sound sounds feel genre ones one etc soundtrack ost remix remixes
    cover covers version versions playlist playlists""".split()
)
#: A span that opens on one of these describes music rather than naming it ("like sad piano").
DESCRIPTOR_WORDS = frozenset(
    """a an the this that these those it its them something anything what how sad happy chill calm
    upbeat slow fast heavy soft loud dark angry mellow melancholic epic dreamy catchy energetic
    relaxing relaxed aggressive romantic acoustic electric electronic instrumental vocal vocals
    piano guitar guitars drums bass synth synths strings violin orchestral classical jazz jazzy
    rock pop punk metal rap hip hop hiphop rnb soul funk funky folk country indie alternative ambient
    techno house trance dubstep edm dance disco blues reggae gospel lofi emo grunge psychedelic
    experimental atmospheric cinematic female male old new older newer modern classic good great
    best real nice cool weird creepy spooky happy uplifting motivational background study
    studying workout running driving sleep sleeping party summer winter night morning rain
    nostalgic retro 80s 90s 70s 60s 00s eighties nineties seventies sixties japanese korean french
    spanish latin african russian german italian christian video game games movie film soundtrack
    soundtracks anime slowed sped mashup remix remixes cover covers live beats beat lyrics lyrical
    melody melodies melodic rhythm tempo voice singer singers rapper rappers producer someone
    somebody anyone whatever stuff everything nothing each every other others another same different
    string quartet orchestra choir chill chilled dreamy sweet bittersweet first second third last
    intro outro opening ending beginning middle part theme following production blend mood moods
    more most bit little lot lots kinda sorta pretty super quite very really too much many""".split()
)
#: Request words that end a title read backwards from "by" ("songs like *Into the Fire* by X").
BACK_STOP = frozenset(
    """like similar songs song music tracks track something anything stuff looking want need
    recommend suggest suggestions sounds sound vibes more some any listen listening love
    hear heard enjoy enjoyed found""".split()
)
CONNECTORS = frozenset(
    "of the and & a an in on to de la le el los les du da di der von y for from with my me you no is out at up".split()
)
SENT_END = re.compile(r"[.!?|\n]\s*$")
QUOTES = re.compile(r"\"([^\"\n]{1,80})\"|\u201c([^\u201d\n]{1,80})\u201d|(?:(?<=\s)|^)'([^'\n]{2,60})'(?=[\s,.!?;:)]|$)")
DASH = re.compile(r"\s[-\u2013\u2014]+\s?|(?<=\w)[-\u2013\u2014]+\s|(?<=\w):\s")


__all__ = [
    "RefKind",
    "BACK_STOP",
    "BY",
    "CAPITAL_ZIPF",
    "COLON_LEFT",
    "CONNECTORS",
    "CUES_AFTER",
    "CUES_BEFORE",
    "CUES_BY_FIRST",
    "CUES_BY_LAST",
    "DASH",
    "DESCRIPTOR_WORDS",
    "FEAT",
    "HEAD_KINDS",
    "MAX_MATCHES",
    "MAX_SPAN_WORDS",
    "PLAY_CUES",
    "QUOTES",
    "RARE_ZIPF",
    "REQUEST_WORDS",
    "SENT_END",
    "STOP_WORDS",
    "WEAK_AFTER",
    "WORD",
]
