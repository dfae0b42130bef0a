"""The reference detectors: quotes, "Artist - Title", cues, "by Y", "X vibes", brackets, catalog names.

Each method of :class:`Detector` reads one pattern and records what it finds through
:meth:`~nlrec.request.spans.SpanReader.add`; :func:`nlrec.request.references.find_references`
runs them in order (earlier detectors take their tokens first).
"""

from __future__ import annotations

import re
from dataclasses import replace

from nlrec.request.cues import (
    BACK_STOP,
    BY,
    CAPITAL_ZIPF,
    COLON_LEFT,
    CONNECTORS,
    CUES_AFTER,
    DASH,
    DESCRIPTOR_WORDS,
    HEAD_KINDS,
    PLAY_CUES,
    QUOTES,
    RARE_ZIPF,
    REQUEST_WORDS,
    STOP_WORDS,
    WEAK_AFTER,
)
from nlrec.request.names import NameMatch, name_key
from nlrec.request.spans import RefKind, SpanReader


class Detector(SpanReader):
    """Every detector over one request (see :mod:`nlrec.request.references`)."""

    def quoted(self) -> None:
        for m in QUOTES.finditer(self.text):
            a = m.start() + 1
            b = m.end() - 1
            idx = [k for k, t in enumerate(self.toks) if a <= t.start and t.end <= b]
            if not idx or len(idx) > 10:
                continue
            if DASH.search(self.text[a:b]):
                continue  # "Labi Siffre - Remember My Song": artist and title, read by dashed()
            i, j = idx[0], idx[-1] + 1
            end, match = self.resolve(i, j, "track", fuzzy=True)
            match = [m for m in match if m.kind != "artist" or not m.common and m.score == 1.0]
            self.add(i, j, "track", True, match if end == j else None)

    def dashed(self) -> None:
        """"Artist - Title" at the start of a request or sentence."""
        for m in DASH.finditer(self.text):
            left = [k for k, t in enumerate(self.toks) if t.end <= m.start()]
            right = [k for k, t in enumerate(self.toks) if t.start >= m.end()]
            if not left or not right:
                continue
            li = left[-1]
            ls = li
            while ls > 0 and not self.breaks_before(ls):
                ls -= 1
            re_ = right[0]
            rj = re_ + 1
            while rj < len(self.toks) and not self.breaks_before(rj):
                rj += 1
            for c in range(li, ls - 1, -1):  # "Songs like The Black Keys - I Got Mine"
                cue = self.cue_at(c)
                if cue and c + len(cue) <= li:
                    ls = c + len(cue)
                    break
            if li == ls and self.toks[ls].low in COLON_LEFT:
                continue
            if any(t.low in REQUEST_WORDS for t in self.toks[ls : li + 1]):
                continue  # "Need a recommendation - Dance/Electronica"
            if li - ls + 1 > 6 or rj - re_ > 8:
                continue
            if not (self.plausible(ls, li + 1) and self.plausible(re_, rj, title=True)):
                continue
            a_end, a_match = self.resolve(ls, li + 1, "artist", fuzzy=True)
            t_end, t_match = self.resolve(re_, rj, "track", fuzzy=True)
            if not a_match and t_match and any(x.kind == "artist" and not x.common for x in t_match):
                self.add(re_, rj, "artist", True, t_match)  # "Title - Artist"
                self.add(ls, li + 1, "track", True, None)
                continue
            self.add(ls, li + 1, "artist", True, a_match if a_end == li + 1 else None)
            self.add(re_, rj, "track", True, t_match if t_end == rj else None, strict=True)

    def cued(self) -> None:
        n = len(self.toks)
        i = 0
        while i < n:
            cue = self.cue_at(i)
            if cue is None:
                i += 1
                continue
            if cue == ("x",) and not (i > 0 and self.toks[i - 1].cap and i + 1 < n and self.toks[i + 1].cap):
                i += 1
                continue
            if any(self.catalog_run(s) > i for s in range(max(0, i - 3), i)):
                i += 1
                continue  # "Boys Like Girls": the cue is part of a catalog name
            if cue == ("like",) and i > 0 and self.toks[i - 1].low in {"i", "id", "would", "you", "we", "dont", "really", "also", "they", "feel", "looks", "look", "seems", "just"}:
                if self.title_case or not (i + 1 < n and self.toks[i + 1].cap):
                    i += 1
                    continue
            k = i + len(cue)
            e = k
            while e < n and e - k < 12 and (e == k or not self.breaks_before(e) or re.fullmatch(r"\s*,\s*", self.gap(e))):
                if e > k and self.toks[e].low in {"but", "with", "without", "because", "for", "that", "which"}:
                    break
                e += 1
            self.region.update(range(k, e))
            head = self.toks[i - 1].low if i > 0 else ""
            kind: RefKind | None = HEAD_KINDS.get(head)
            if cue in (("ft",), ("feat",), ("featuring",), ("prod", "by")):
                kind = "artist"
            self.list_after(k, kind)
            i = k

    def list_after(self, k: int, kind: RefKind | None) -> None:
        """Read ``X``, ``X by Y``, ``X's Y`` and lists ``X, Y and Z`` from token ``k``."""
        n = len(self.toks)
        for _ in range(6):
            if k >= n or k in self.taken:
                return
            if self.toks[k].low in {"the"} and k + 1 < n and self.toks[k + 1].low in STOP_WORDS | DESCRIPTOR_WORDS - {"the"} \
                    and not self.marked(k, k + 2):
                return
            j = self.extent(k)
            if not self.plausible(k, j) or (j - k == 1 and self.toks[k].low in STOP_WORDS and not self.marked(k, j)):
                # "like a-ha, Led Zepplin or The Eagles": skip an item that is no name
                nxt = next((x for x in range(k + 1, min(n, k + 4)) if self.toks[x].low in {"or", "and"}
                            or re.fullmatch(r"\s*,\s*", self.gap(x))), None)
                if nxt is None or self.breaks_before(nxt) and not re.fullmatch(r"\s*,\s*", self.gap(nxt)):
                    return
                k = nxt + 1 if self.toks[nxt].low in {"or", "and"} else nxt
                continue
            # X's Y: artist then title
            poss = next((p for p in range(k, j) if self.toks[p].text.lower().endswith(("'s", "\u2019s"))), None)
            if poss is not None and poss + 1 < j:
                a_end, a_match = self.resolve(k, poss + 1, "artist", fuzzy=True)
                self.add(k, poss + 1, "artist", True, a_match or None, strict=True)
                t_end, t_match = self.resolve(poss + 1, j, "track", fuzzy=True)
                self.add(poss + 1, j, "track", True, t_match if t_end == j else None, strict=True)
                k = j
            else:
                end, match = self.resolve(k, j, kind, fuzzy=True)
                if match and end < j:
                    j = end
                by = j < n and self.toks[j].low in BY and not self.breaks_before(j)
                if by and j + 1 < n:
                    y_end = self.extent(j + 1)
                    if self.plausible(j + 1, y_end):
                        self.add(k, j, "track", True, [m for m in match if m.kind != "artist"] or None)
                        a_end, a_match = self.resolve(j + 1, y_end, "artist", fuzzy=True)
                        self.add(j + 1, y_end, "artist", True, a_match if a_end == y_end else None, strict=True)
                        j = y_end
                    else:
                        self.add(k, j, kind or "artist", True, match or None)
                else:
                    possessive = self.toks[j - 1].text.lower().endswith(("'s", "\u2019s"))
                    self.add(k, j, "artist" if possessive else kind or "artist", True, match or None,
                             strict=possessive)
                k = j
            # continue a list: ", Y", "and Y", "or Y", "/ Y"
            if k < n and self.toks[k].low in {"and", "or", "nor", "vs", "&"} and not self.breaks_before(k):
                k += 1
            elif k < n and re.fullmatch(r"\s*[,/&+]\s*|\s+(?:and|or)\s+", self.gap(k) or ""):
                if self.toks[k].low in {"and", "or"}:
                    k += 1
            else:
                return
            if k < n and self.toks[k].low in {"and", "or"}:
                k += 1

    def played(self) -> None:
        """"play Paper Crowns", "put on No Woman, No Cry": a catalog name after a request to play it.

        Taken only when it resolves (see :data:`~nlrec.request.cues.PLAY_CUES`); looked up fuzzily
        only when written with capitals in a request not in Title Case.
        """
        if self.names is None:
            return
        n = len(self.toks)
        for i in range(n):
            cue = next((c for c in PLAY_CUES if tuple(t.low for t in self.toks[i : i + len(c)]) == c), None)
            if cue is None:
                continue
            k = i + len(cue)
            if k >= n or k in self.taken:
                continue
            j = self.extent(k)
            if not self.plausible(k, j):
                continue
            end, match = self.resolve(k, j, None, fuzzy=self.toks[k].cap and not self.title_case)
            if match:
                self.add(k, end, match[0].kind, True, match)

    def by_artist(self) -> None:
        """A "by Y" not already read after a cue: "Black Parade by My Chemical Romance"."""
        n = len(self.toks)
        for i, t in enumerate(self.toks):
            if t.low != "by" or i + 1 >= n or (i + 1) in self.taken or self.breaks_before(i + 1):
                continue
            j = self.extent(i + 1)
            if not self.plausible(i + 1, j):
                continue
            if self.title_case and self.names is None:
                if self.toks[i + 1].low in STOP_WORDS:
                    continue
            end, match = self.resolve(i + 1, j, "artist", fuzzy=True)
            if not match and self.toks[i + 1].low in DESCRIPTOR_WORDS:
                continue
            self.add(i + 1, end if match else j, "artist", True, match or None, strict=True)
            # the title before "by"
            s = i
            while s > 0 and not self.breaks_before(s) and (i - s) < 8 and (s - 1) not in self.taken:
                prev = self.toks[s - 1]
                if self.cue_at(s - 1) or self.cue_ends_at(s - 1) or prev.low in BACK_STOP:
                    break
                if not self.title_case and not prev.cap and prev.low in STOP_WORDS:
                    break
                if not self.title_case and not prev.cap and self.toks[s].cap:
                    break
                s -= 1
            if s < i and self.plausible(s, i, title=True):
                t_end, t_match = self.resolve(s, i, "track", fuzzy=True)
                self.add(s, i, "track", True, t_match if t_end == i else None, strict=True)

    def after_cues(self) -> None:
        """"Portishead vibes", "Drake type beat", "Radiohead-esque"."""
        n = len(self.toks)
        for i in range(n - 1):
            if self.breaks_before(i + 1):
                continue
            nxt = " ".join(x.low for x in self.toks[i + 1 : i + 3])
            if not any(nxt == c or nxt.startswith(c + " ") for c in CUES_AFTER):
                continue
            if i in self.taken:
                continue
            s = i
            while s > 0 and not self.breaks_before(s) and i - s < 3:
                prev = self.toks[s - 1]
                if prev.low in STOP_WORDS or prev.low in DESCRIPTOR_WORDS or (s - 1) in self.taken:
                    break
                if not self.title_case and self.toks[i].cap and not prev.cap:
                    break
                s -= 1
            if not self.plausible(s, i + 1):
                continue
            end, match = self.resolve(s, i + 1, "artist", fuzzy=nxt.split()[0] not in WEAK_AFTER)
            possessive = self.toks[i].text.lower().endswith(("'s", "\u2019s"))
            weak = nxt.split()[0] in WEAK_AFTER and not possessive
            if weak and not (match and not all(m.common for m in match)):
                continue  # "sad songs", "dark music": only a catalog name that is no word
            multi = match and len(match[0].key.split()) > 1
            if match and all(m.common for m in match) and not possessive and not (multi and not weak) and (
                self.title_case or not self.toks[s].cap or self.sentence_start(s)
            ):
                continue  # "low vibe", "orchestra style": a word, not Low or Orchestra
            if self.names is not None and not match:
                continue
            self.add(s, i + 1, "artist", True, match if end == i + 1 else None)

    @staticmethod
    def uncued_ok(matches: list[NameMatch], words: int, capital: bool) -> bool:
        """Whether a name found without a cue is taken (see :data:`RARE_ZIPF`)."""
        common = all(m.common for m in matches)
        if words > 1:
            return not common or capital
        if common:
            return False
        rarest = min(m.zipf for m in matches)
        return rarest < RARE_ZIPF or (capital and rarest < CAPITAL_ZIPF)

    def parenthesized(self) -> None:
        """"The Nights (Avicii)", "Fight Back (from Neffex)": an artist in brackets after a title."""
        n = len(self.toks)
        for ref in list(self.found):
            if not ref.cued:
                continue
            k = next((x for x, t in enumerate(self.toks) if t.start >= ref.end), n)
            if k >= n or k in self.taken or not re.fullmatch(r"\s*\(\s*", self.gap(k)):
                continue
            if self.toks[k].low in {"from", "by", "ft", "feat", "featuring"}:
                k += 1
            j = k
            while j < n and j - k < 5 and (j == k or not self.breaks_before(j)):
                j += 1
            if j == k or j < n and not self.gap(j).lstrip().startswith(")") or not self.plausible(k, j):
                continue
            if self.title_case or not self.toks[k].cap:
                continue
            end, match = self.resolve(k, j, "artist", fuzzy=True)
            before = len(self.found)
            self.add(k, j, "artist", True, match if end == j else None, strict=True)
            if len(self.found) > before and ref.kind == "artist" and not ref.resolved:
                self.found[self.found.index(ref)] = replace(ref, kind="track")

    def catalog(self) -> None:
        """Catalog names anywhere in the request (see the module docstring)."""
        if self.names is None:
            return
        n = len(self.toks)
        width = max(1, min(self.names.max_words, 8))
        firsts = self.names.first_words
        heads = [(name_key(t.text).split() or [""])[0] for t in self.toks]
        i = 0
        while i < n:
            if heads[i] not in firsts and heads[i] != "the" and heads[i][:-1] not in firsts:
                i += 1
                continue
            hit = None
            for j in range(min(n, i + width), i, -1):
                if any(k in self.taken for k in range(i, j)):
                    continue
                if any(self.breaks_before(k) and self.gap(k) != "/" for k in range(i + 1, j)):
                    continue
                span_low = self.key(i, j)
                matches = self.names.exact(span_low)
                if not matches or not self.short_ok(i, j):
                    continue
                if self.toks[i].low in {"the"} and j - i == 1:
                    continue
                capital = not self.title_case and all(
                    t.cap or t.low in CONNECTORS for t in self.toks[i:j]
                ) and self.toks[i].cap and not (self.sentence_start(i) and j - i == 1)
                if self.toks[i].low in STOP_WORDS and j - i == 1:
                    continue
                if all(t.low in STOP_WORDS or t.low in DESCRIPTOR_WORDS for t in self.toks[i:j]):
                    continue  # "I am" is not IAM, "chill songs" not Chillsongs
                artists = [m for m in matches if m.kind == "artist"]
                if not artists and not (capital and not self.sentence_start(i) and i in self.region):
                    continue  # a title or album without a cue: too many are everyday phrases
                matches = artists or matches
                if i in self.region and (len(span_low.split()) > 1 or not all(m.common for m in matches)):
                    hit = (j, matches)
                    break
                if not self.uncued_ok(matches, j - i, capital):
                    continue
                hit = (j, matches)
                break
            if hit:
                j, matches = hit
                kind: RefKind = "artist" if any(m.kind == "artist" for m in matches) else matches[0].kind
                self.add(i, j, kind, False, matches)
                i = j
            else:
                i += 1


__all__ = ["Detector"]
