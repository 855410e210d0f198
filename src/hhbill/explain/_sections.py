"""The sections of a code page, each built from sourced data: the search vocabulary, the record layout, the fee
schedule, the release's own statistics, the claims rule data and the scrubber's edit catalog."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from ..hcpcs import HcpcsRecord
from ..hcpcs._values import meaning
from ..search import load_vocabulary_names
from ._facts import GroupKey, ReleaseFacts
from ._model import (
    AlsoKnownAs,
    BillingNote,
    Comparison,
    EditConcern,
    FaqItem,
    FieldDefinition,
    PlainLanguage,
    RelatedCode,
    Rewrite,
    RvuSection,
)
from ._rules import ClaimRules, clean_citation, load_claims_data

__all__ = [
    "LAYOUT_SOURCE",
    "also_known_as",
    "billing_notes",
    "comparisons",
    "edit_concerns",
    "faq",
    "field_definitions",
    "plain_language",
    "related_codes",
]

HCPCS_FILE = "CMS HCPCS Level II file"
LAYOUT_SOURCE = "CMS HCPCS record layout 2026 (HCPC2026_recordlayout.txt)"
#: every vocabulary term naming a code is shown (the most, for CGM sensors, is in the thirties), then lay words for
#: its phrases up to this many in all
_AKA_LIMIT = 40


def _data(name: str) -> dict[str, Any]:
    text = resources.files("hhbill").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


# -- also known as ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Phrase:
    phrase: str
    entry: Any  # the vocabulary entry (it says which codes it names)
    terms: list[str]
    #: the lay term used to gloss the phrase in plain language (a multi-word term that is not the same words)
    lay: str | None
    source: str


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


@dataclass(frozen=True)
class _VocabularyIndex:
    by_code: dict[str, list[tuple[str, str]]]  # code -> [(term, source)]
    ranges: list[tuple[Any, list[str], str]]  # (entry, terms, source)
    phrases: dict[str, list[_Phrase]]  # lower-cased phrase -> the entries that mean it
    #: first character -> the phrases starting with it, longest first
    by_first_char: dict[str, list[str]]

    def phrases_in(self, text: str) -> list[_Phrase]:
        """At each start of a word (a position not preceded by a letter or digit), the longest vocabulary phrase
        found there, in the singular or with a plural "s", ending where a word ends. Phrases inside or after
        others are found too. (A dictionary walk rather than one large regex: it costs nothing to build.)"""
        lowered = text.lower()
        found: list[_Phrase] = []
        for start, char in enumerate(lowered):
            candidates = self.by_first_char.get(char)
            if candidates is None or (start and _is_word_char(lowered[start - 1])):
                continue
            for phrase in candidates:
                if not lowered.startswith(phrase, start):
                    continue
                end = start + len(phrase)
                if lowered.startswith("s", end) and not _is_word_char(lowered[end + 1 : end + 2]):
                    end += 1
                elif _is_word_char(lowered[end : end + 1]):
                    continue
                found.extend(self.phrases[phrase])
                break
        return found


def _source_text(sources: dict[str, str], key: str) -> str:
    described = sources.get(key)
    return f"hhbill search vocabulary [{key}]: {described}" if described else f"hhbill search vocabulary [{key}]"


def _same_words(lay: str, phrase: str) -> bool:
    """Whether a lay term only repeats the phrase's own words ("physical therapy" for "physical therapist")."""
    prefixes = {word[:6] for word in re.findall(r"[a-z]+", phrase.lower())}
    return all(word[:6] in prefixes for word in re.findall(r"[a-z]+", lay.lower()))


def _specific(phrase: str) -> bool:
    """A descriptor phrase specific enough to take lay names from: two words or more, or one long word."""
    words = re.findall(r"[a-z]+", phrase.lower())
    return len(words) >= 2 or (len(words) == 1 and len(words[0]) >= 6)


def _glosses(lay: str, phrase: str) -> bool:
    """Whether a lay term says the phrase in other words: not the phrase's own words again ("physical therapy" for
    "physical therapist"), nor the phrase with a word added ("home health visit" for "home health")."""
    phrase_words = {word[:6] for word in re.findall(r"[a-z]+", phrase.lower())}
    lay_words = {word[:6] for word in re.findall(r"[a-z]+", lay.lower())}
    return not _same_words(lay, phrase) and not phrase_words <= lay_words


@cache
def _vocabulary_index() -> _VocabularyIndex:
    vocabulary = load_vocabulary_names()
    sources: dict[str, str] = _data("search_vocabulary.json").get("sources", {})
    by_code: dict[str, list[tuple[str, str]]] = {}
    ranges = []
    phrases: dict[str, list[_Phrase]] = {}
    for entry in vocabulary.entries:
        source = _source_text(sources, entry.source)
        for code in entry.codes:
            by_code.setdefault(code, []).extend((term, source) for term in entry.terms)
        if entry.code_ranges:
            ranges.append((entry, list(entry.terms), source))
        for phrase in entry.means:
            if not _specific(phrase):
                continue  # "home", "aide": too common a word to say what a code is also called
            lay = next((t for t in entry.terms if " " in t and len(t) > 6 and _glosses(t, phrase)), None)
            phrases.setdefault(phrase.lower(), []).append(_Phrase(phrase, entry, list(entry.terms), lay, source))
    by_first_char: dict[str, list[str]] = {}
    for phrase in sorted(phrases, key=len, reverse=True):
        by_first_char.setdefault(phrase[0], []).append(phrase)
    return _VocabularyIndex(by_code, ranges, phrases, by_first_char)


def also_known_as(record: HcpcsRecord) -> list[AlsoKnownAs]:
    """Lay names: vocabulary terms naming the code, then lay words for phrases of its descriptor."""
    return list(_also_known_as(record.code, record.long_description))


@lru_cache(maxsize=32768)
def _also_known_as(code: str, description: str) -> tuple[AlsoKnownAs, ...]:
    index = _vocabulary_index()
    found: dict[str, AlsoKnownAs] = {}
    for term, source in index.by_code.get(code, []):
        found.setdefault(term.lower(), AlsoKnownAs(term, "names this code", source))
    for entry, terms, source in index.ranges:
        if entry.names_code(code):
            for term in terms:
                found.setdefault(term.lower(), AlsoKnownAs(term, "names this code's range", source))
    for item in index.phrases_in(description):
        for term in item.terms:
            if term.lower() != item.phrase.lower():
                found.setdefault(term.lower(), AlsoKnownAs(term, f"lay word for '{item.phrase}'", item.source))
    return tuple(found.values())[:_AKA_LIMIT]


# -- plain language -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _PlainRule:
    """One rewrite: a phrase or abbreviation (``words``) and the regex that finds it, compiled on first need (a
    descriptor can only hold the phrase if it holds its letters, so most rules never compile)."""

    words: str
    regex: str
    original: str
    plain: str
    source: str

    def pattern(self) -> re.Pattern[str]:
        return _compiled(self.regex)

    def may_occur_in(self, lowered: str) -> bool:
        # in ASCII, a case-insensitive match implies the lower-cased words are in the lower-cased text
        return not (self.words.isascii() and lowered.isascii()) or self.words.lower() in lowered


@cache
def _compiled(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


@dataclass(frozen=True)
class _PlainRules:
    rules: list[_PlainRule]
    spelled_out: list[_PlainRule]  # "long form (abbreviation)" in a descriptor: rewritten to the long form


@cache
def _plain_rules() -> _PlainRules:
    data = _data("plain_language.json")
    sources: dict[str, str] = data["sources"]
    rules = []
    # longest first so a whole phrase is rewritten before any word inside it
    phrases = sorted(data["phrases"], key=lambda item: -len(item["jargon"]))
    for item in phrases:
        regex = r"\b" + re.escape(item["jargon"]) + r"\b"
        rules.append(_PlainRule(item["jargon"], regex, item["jargon"], item["plain"], sources[item["source"]]))
    spelled_out = []
    for item in data["abbreviations"]:
        short = item["short"]
        # "w/" and "w/o" end in a non-word character: no trailing word boundary
        tail = r"\b" if short[-1].isalnum() else ""
        regex = r"(?<![\w/-])" + re.escape(short) + tail + r"(?![/-])"
        rules.append(_PlainRule(short, regex, short, item["long"], sources[item["source"]]))
        # "registered nurse (rn)": the descriptor already spells it out; the abbreviation in parentheses goes
        regex = rf"({re.escape(item['long'])})\s*\({re.escape(short)}\)"
        spelled_out.append(_PlainRule(f"({short})", regex, short, item["long"], sources[item["source"]]))
    return _PlainRules(rules, spelled_out)


_PAREN_DO_NOT = re.compile(r"\s*\((?:do not|not to be)[^)]*\)", re.IGNORECASE)


def _first_sentence(record: HcpcsRecord) -> tuple[str, list[Rewrite]]:
    text, rewrites = _rewritten(record.code, record.kind, record.long_description)
    return text, list(rewrites)


@lru_cache(maxsize=32768)
def _rewritten(code: str, kind: str, description: str) -> tuple[str, tuple[Rewrite, ...]]:
    """The descriptor in plain words and the rewrites made (a pure function of the descriptor: cached)."""
    text = _PAREN_DO_NOT.sub("", description).strip().rstrip(".")
    plain_rules = _plain_rules()
    lowered = text.lower()  # lowered again only when a rule changes the text
    for rule in plain_rules.spelled_out:
        if rule.may_occur_in(lowered):
            text = rule.pattern().sub(r"\1", text)
            lowered = text.lower()
    rewrites: list[Rewrite] = []
    placeholders: list[str] = []
    for rule in plain_rules.rules:
        if rule.may_occur_in(lowered) and rule.pattern().search(text):
            # a placeholder keeps later rules (abbreviations) from rewriting inside the plain words
            placeholders.append(rule.plain)
            text = rule.pattern().sub(f"\x00{len(placeholders) - 1}\x00", text)
            lowered = text.lower()
            rewrites.append(Rewrite(rule.original, rule.plain, rule.source))
    text = re.sub(r"\x00(\d+)\x00", lambda m: placeholders[int(m.group(1))], text)
    glossed = 0
    for item in [] if kind == "modifier" else _vocabulary_index().phrases_in(text):
        if not item.entry.names_code(code):
            continue  # a gloss only from an entry about this code: a general one can misread the phrase
        lay, phrase = item.lay, item.phrase
        lowered = text.lower()
        if glossed >= 2 or lay is None or lay.lower() in lowered:
            continue
        if any(phrase.lower() in r.plain.lower() for r in rewrites):
            continue  # inside words a rewrite put there
        found = re.search(r"(?<![a-z0-9])" + re.escape(phrase.lower()) + r"s?(?![a-z0-9])", lowered)
        if found is None:
            continue
        text = f'{text[: found.end()]} ("{lay}"){text[found.end() :]}'
        rewrites.append(Rewrite(phrase, f'{phrase} ("{lay}")', item.source))
        glossed += 1
    if text:
        text = text[0].upper() + text[1:]
    return text, tuple(rewrites)


def plain_language(record: HcpcsRecord, facts: ReleaseFacts, rules: ClaimRules) -> PlainLanguage:
    """One or two sentences: the descriptor in everyday words, then who pays for it, from coverage and pricing."""
    first, rewrites = _first_sentence(record)
    if record.kind == "modifier":
        second = "It is a modifier: two characters added to a procedure code on a claim line to add this information."
    elif rules.home_health_code(record.code):
        second = "A home health agency reports it on its Medicare home health claim."
    elif record.coverage in ("I", "M", "S"):
        second = f"Medicare does not pay for it (coverage {record.coverage}: {meaning('coverage', record.coverage)})."
    else:
        second = _payment_sentence(record, facts)
    text = f"{first}. {second}" if first else second
    return PlainLanguage(
        text, rewrites, f"{HCPCS_FILE} long description, {facts.release.label}; hhbill plain-language rules"
    )


def _payment_sentence(record: HcpcsRecord, facts: ReleaseFacts) -> str:
    price1 = record.pricing_indicators[0] if record.pricing_indicators else ""
    group = meaning("pricing_indicator", price1) if price1 else None
    if price1 == "00":
        return "Medicare Part B does not price it separately."
    if group:
        return f"Medicare prices it this way: {group[0].lower() + group[1:].rstrip('.')}."
    return "Its Medicare pricing is not stated in the HCPCS file."


# -- field definitions ----------------------------------------------------------------------------------------
_FIELD_LABELS = {
    "code": "HCPCS code",
    "modifier": "Modifier",
    "sequence": "Sequence number",
    "long_description": "Long description",
    "short_description": "Short description",
    "pricing_indicators": "Pricing indicator",
    "multiple_pricing_indicator": "Multiple pricing indicator",
    "cim_references": "Coverage Issues Manual reference",
    "mcm_references": "Medicare Carriers Manual reference",
    "statute": "Statute number",
    "lab_certifications": "Lab certification",
    "cross_references": "Cross-reference codes",
    "coverage": "Coverage code",
    "asc_group": "ASC payment group",
    "asc_effective_date": "ASC payment group effective date",
    "mog_group": "MOG payment group",
    "mog_policy_indicator": "MOG payment policy indicator",
    "mog_effective_date": "MOG effective date",
    "processing_note": "Processing note",
    "betos": "Berenson-Eggers type of service (BETOS)",
    "types_of_service": "Type of service",
    "anesthesia_base_units": "Anesthesia base units",
    "added_date": "Code added date",
    "action_effective_date": "Action effective date",
    "termination_date": "Termination date",
    "action": "Action code",
}


@cache
def _definitions() -> dict[str, Any]:
    return _data("hcpcs_field_definitions.json")


def field_definition(name: str) -> FieldDefinition | None:
    document = _definitions()
    item = document["fields"].get(name)
    if item is None:
        return None
    return FieldDefinition(
        field=name,
        label=_FIELD_LABELS.get(name, name),
        cms_name=item["name"],
        cms_field_number=int(item["number"]),
        positions=item["positions"],
        definition=item["definition"],
        source=document["source"],
    )


def field_definitions(kind: str) -> list[FieldDefinition]:
    return list(_field_definitions(kind))


@cache
def _field_definitions(kind: str) -> tuple[FieldDefinition, ...]:
    names = [n for n in _definitions()["fields"] if n != ("code" if kind == "modifier" else "modifier")]
    return tuple(d for d in (field_definition(n) for n in names) if d is not None)


# -- comparisons ----------------------------------------------------------------------------------------------
def _group_name(key: GroupKey) -> str:
    kind, value = key
    if kind == "letter":
        return f"{value} codes"
    if kind == "range":
        return f"codes {value}00-{value}99"
    if kind == "betos":
        title = meaning("betos", value) if len(value) > 1 else None
        return f"BETOS family {value}" + (f" ({title})" if title else "")
    return "modifiers"


def _percent(matching: int, total: int) -> str:
    """A whole percent (half up), with one decimal where rounding would say "all" or "none" of a group that is not."""
    whole = (200 * matching + total) // (2 * total)
    if (whole == 100 and matching < total) or (whole == 0 and matching > 0):
        tenths = (2000 * matching + total) // (2 * total)
        if tenths == 0:
            return "under 0.1%"
        if tenths == 1000:
            return "over 99.9%"
        return f"{tenths // 10}.{tenths % 10}%"
    return f"{whole}%"


def comparisons(record: HcpcsRecord, facts: ReleaseFacts, history: list[dict[str, Any]]) -> list[Comparison]:
    """Shares of the code's groups that share a characteristic with it, then how it changed since it was added."""
    found: list[Comparison] = []
    release_source = f"{HCPCS_FILE}, {facts.release.label}"
    price1 = record.pricing_indicators[0] if record.pricing_indicators else ""
    pfs_row = facts.pfs.get(record.code)
    for key in facts.groups_of(record):
        members = facts.members.get(key, [])
        total = len(members)
        if not total:
            continue
        name = _group_name(key)
        if record.kind == "procedure":
            in_pfs, zero = facts.work_zero.get(key, (0, 0))
            if pfs_row is not None and in_pfs:
                same = zero if pfs_row.work_rvu == 0 else in_pfs - zero
                what = "a work RVU of 0.00" if pfs_row.work_rvu == 0 else "a work RVU above 0.00"
                found.append(
                    Comparison(
                        f"{_percent(same, in_pfs)} of {name} in the fee schedule ({same:,} of {in_pfs:,}) have {what}, "
                        f"as {record.code} does.",
                        round(same / in_pfs, 4),
                        name,
                        same,
                        in_pfs,
                        f"{release_source}; CMS PFS relative value file {facts.pfs_release}",
                    )
                )
        coverage = record.coverage
        if coverage:
            same = facts.coverage_counts[key][coverage]
            label = meaning("coverage", coverage) or "unknown"
            found.append(
                Comparison(
                    f"{_percent(same, total)} of {name} ({same:,} of {total:,}) carry coverage code {coverage} "
                    f"({label}), as {record.code} does.",
                    round(same / total, 4),
                    name,
                    same,
                    total,
                    release_source,
                )
            )
        if price1:
            same = facts.pricing_counts[key][price1]
            found.append(
                Comparison(
                    f"{_percent(same, total)} of {name} ({same:,} of {total:,}) carry pricing indicator {price1}, "
                    f"as {record.code} does.",
                    round(same / total, 4),
                    name,
                    same,
                    total,
                    release_source,
                )
            )
    found.append(_change_statement(record, history, facts))
    return found


def _change_statement(record: HcpcsRecord, history: list[dict[str, Any]], facts: ReleaseFacts) -> Comparison:
    changed = [e for e in history if e.get("change") == "changed"]
    releases = [e for e in history if e.get("change") != "absent"]
    added = record.added_date or "an unknown date"
    action = meaning("action", record.action) if record.action else None
    parts = [f"{record.code} was added to HCPCS on {added}"]
    if record.action_effective_date:
        parts.append(
            f"its last CMS action ({record.action or '?'}: {action or 'unknown'}) took effect "
            f"{record.action_effective_date}"
        )
    if len(releases) > 1:
        fields = sorted({c["field"] for e in changed for c in e.get("fields") or []})
        if fields:
            parts.append(
                f"across the {len(releases)} loaded releases it changed in {len(changed)} ({', '.join(fields)})"
            )
        else:
            parts.append(f"it is unchanged across the {len(releases)} loaded releases")
    if record.termination_date:
        parts.append(f"it was terminated: its last valid date of service is {record.termination_date}")
    return Comparison(
        "; ".join(parts) + ".",
        None,
        "history",
        None,
        None,
        f"{HCPCS_FILE} (added date, action code and date) in the loaded releases",
    )


# -- related codes --------------------------------------------------------------------------------------------
_CPT = re.compile(r"^(?:\d{5}|\d{4}[A-Z])$")
_CODE_OR_CPT = re.compile(r"^(?:[A-Z]\d{4}|[A-Z0-9]{2}|\d{5}|\d{4}[A-Z])$")


def _describe(facts: ReleaseFacts, code: str) -> str:
    record = facts.records.get(code)
    if record is not None:
        return record.short_description
    return "(CPT code: descriptor not shipped)" if _CPT.match(code) else "(not in this release)"


#: a candidate related code: (code, relation, why, source)
_Candidate = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class _RelatedContext:
    """What every kind of relation looks at: the code's record, its release, the claims rules, its meanings."""

    record: HcpcsRecord
    facts: ReleaseFacts
    rules: ClaimRules
    meanings: list[dict[str, Any]]

    @property
    def code(self) -> str:
        return self.record.code

    @property
    def release_source(self) -> str:
        return f"{HCPCS_FILE}, {self.facts.release.label}"

    @property
    def code_references(self) -> list[str]:
        # CMS also writes words in the cross-reference field (P7001: "CPT"): only codes are related codes
        return [other for other in self.record.cross_references if _CODE_OR_CPT.match(other)]


def _same_range(c: _RelatedContext) -> Iterator[_Candidate]:
    """The ten codes sharing the first four characters (G032x); modifiers have no range."""
    if c.record.kind != "procedure":
        return
    prefix = c.code[:4]
    for other in c.facts.members.get(("range", c.code[:3]), []):
        if other[:4] == prefix:
            yield other, "same_range", f"in the same range {prefix}0-{prefix}9", c.release_source


def _same_family(c: _RelatedContext) -> Iterator[_Candidate]:
    """The other visit codes of the same discipline."""
    visit = c.rules.visit_codes.get(c.code)
    if visit is None:
        return
    for other, item in c.rules.visit_codes.items():
        if item.discipline == visit.discipline:
            yield other, "same_family", f"another {visit.discipline_name} visit code", c.rules.disciplines_source


def _excludes(c: _RelatedContext) -> Iterator[_Candidate]:
    for other in c.facts.excludes.get(c.code, []):
        yield other, "excludes", f"the {c.code} descriptor says not to use it with {other}", c.release_source


def _excluded_by(c: _RelatedContext) -> Iterator[_Candidate]:
    for other in c.facts.excluded_by.get(c.code, []):
        yield other, "excluded_by", f"the {other} descriptor says not to use it with {c.code}", c.release_source


def _cross_references(c: _RelatedContext) -> Iterator[_Candidate]:
    if c.record.termination_date:  # a terminated code's cross-references are its successors
        return
    for other in c.code_references:
        why = f"{c.code} cross-references {other} (CMS cross-reference field)"
        yield other, "cross_reference", why, c.release_source


def _cross_referenced_by(c: _RelatedContext) -> Iterator[_Candidate]:
    """Codes whose cross-reference names this one; a terminated one is its predecessor."""
    for other in c.facts.cross_referenced_by.get(c.code, []):
        terminated = c.facts.records[other].termination_date
        if terminated:
            why = f"{other} cross-references {c.code} and was terminated {terminated}"
            yield other, "predecessor", why, c.release_source
        else:
            yield other, "cross_referenced_by", f"{other} cross-references {c.code}", c.release_source


def _successors(c: _RelatedContext) -> Iterator[_Candidate]:
    if not c.record.termination_date:
        return
    for other in c.code_references:
        why = f"{c.code} is terminated {c.record.termination_date}; CMS points to {other}"
        yield other, "successor", why, c.release_source


def _retired_visit_codes(c: _RelatedContext) -> Iterator[_Candidate]:
    visit = c.rules.visit_codes.get(c.code)
    if visit is None:
        return
    for retired, discipline in c.rules.historical_visit_codes.items():
        if discipline == visit.discipline:
            yield retired, "predecessor", f"a retired {visit.discipline_name} visit code", c.rules.disciplines_source


def _earlier_meanings(c: _RelatedContext) -> Iterator[_Candidate]:
    # the code itself under an earlier meaning (related_codes drops a code's relation to itself)
    for span in c.meanings[:-1]:
        first = span["first_release"]["label"]
        why = f"the same code meant '{span['long_description']}' from the {first}"
        yield c.code, "predecessor", why, "hhbill release history"


def _billed_with_candidates(c: _RelatedContext) -> Iterator[_Candidate]:
    for other, why, source in _billed_with(c.code, c.rules):
        yield other, "billed_with", why, source


#: the kinds of relation, in the order the page lists them
_RELATIONS: tuple[Callable[[_RelatedContext], Iterator[_Candidate]], ...] = (
    _same_range,
    _same_family,
    _excludes,
    _excluded_by,
    _cross_references,
    _cross_referenced_by,
    _successors,
    _retired_visit_codes,
    _earlier_meanings,
    _billed_with_candidates,
)


def related_codes(
    record: HcpcsRecord, facts: ReleaseFacts, rules: ClaimRules, meanings: list[dict[str, Any]]
) -> list[RelatedCode]:
    context = _RelatedContext(record, facts, rules, meanings)
    related: list[RelatedCode] = []
    seen: set[tuple[str, str]] = set()
    for relation_of in _RELATIONS:
        for other, relation, why, source in relation_of(context):
            if other == record.code or (other, relation) in seen:
                continue
            seen.add((other, relation))
            related.append(RelatedCode(other, relation, _describe(facts, other), why, source))
    return related


def _billed_with(code: str, rules: ClaimRules) -> list[tuple[str, str, str]]:
    """Codes that go on the same home health claim as ``code``, from the claims rule data."""
    pairs: list[tuple[str, str, str]] = []
    tele = rules.telehealth_codes
    if code in tele:
        for other, modality in tele.items():
            pairs.append(
                (
                    other,
                    f"telecommunications code ({modality.replace('_', ' ')}) on the same 032X claim",
                    rules.telehealth_source,
                )
            )
        for other, visit in rules.visit_codes.items():
            pairs.append(
                (
                    other,
                    f"{visit.discipline_name} visit code: a telecommunications line goes under the "
                    f"revenue code of the discipline that furnished it ({visit.revenue_family}X)",
                    rules.telehealth_source,
                )
            )
    elif code in rules.visit_codes:
        visit = rules.visit_codes[code]
        for other, place in rules.site_codes.items():
            pairs.append(
                (
                    other,
                    f"site-of-service line ({place.replace('_', ' ')}) repeating a visit's revenue code and date",
                    rules.site_source,
                )
            )
        for other, modality in tele.items():
            pairs.append(
                (
                    other,
                    f"telecommunications service ({modality.replace('_', ' ')}) reported under the "
                    f"{visit.discipline_name} revenue code",
                    rules.telehealth_source,
                )
            )
    elif code in rules.site_codes:
        for other, visit in rules.visit_codes.items():
            pairs.append(
                (
                    other,
                    f"{visit.discipline_name} visit whose revenue code and date the Q-line repeats",
                    rules.site_source,
                )
            )
    elif code in rules.therapy_modifiers:
        discipline = rules.therapy_modifiers[code]
        pairs.append(
            (
                "KX",
                "KX marks therapy lines above the year's KX threshold on the same claim",
                rules.kx_source or "hhbill therapy KX threshold table",
            )
        )
        for other, visit in rules.visit_codes.items():
            if visit.discipline == discipline:
                pairs.append(
                    (
                        other,
                        f"{visit.discipline_name} visit code (on 032X; the modifier itself goes on "
                        f"034X revenue code {rules.discipline_revenue_034x.get(discipline, '')} lines)",
                        rules.disciplines_source,
                    )
                )
    return pairs


# -- billing ----------------------------------------------------------------------------------------------------
def _tob(rules: ClaimRules, codes: tuple[str, ...]) -> str:
    return ", ".join(f"{c} ({rules.types_of_bill[c]['meaning']})" for c in codes if c in rules.types_of_bill)


def pricing_setting(record: HcpcsRecord) -> tuple[str, str] | None:
    """(who bills it, source) from the code's first pricing indicator, per the settings table."""
    price1 = record.pricing_indicators[0] if record.pricing_indicators else ""
    data = _plain_data()
    for item in data.get("settings", []):
        if price1 in item["pricing_indicators"]:
            return str(item["text"]), str(data["sources"][item["source"]])
    return None


@cache
def _plain_data() -> dict[str, Any]:
    return _data("plain_language.json")


def _period_claim_note(rules: ClaimRules) -> BillingNote:
    return BillingNote(
        "type of bill",
        f"Home health period claim: {_tob(rules, ('0329', '0327', '0328'))}.",
        rules.types_of_bill_source,
    )


def _visit_code_notes(code: str, rules: ClaimRules) -> list[BillingNote]:
    """A home health visit G-code: a period claim line of its discipline's revenue code, in 15-minute units."""
    visit = rules.visit_codes[code]
    first, second = rules.visit_unit_rows[0], rules.visit_unit_rows[1]
    return [
        _period_claim_note(rules),
        BillingNote(
            "revenue code",
            f"{visit.discipline_name.capitalize()} revenue code {visit.revenue_family}X (hhbill uses "
            f"{visit.revenue_code}); the G-code must match the discipline of its revenue code.",
            rules.disciplines_source,
        ),
        BillingNote(
            "units",
            f"One dated line per visit; units are 15-minute increments ({first['min']}-{first['max']} minutes = "
            f"{first['units']} unit, {second['min']}-{second['max']} = {second['units']}, and so on).",
            rules.visit_units_source,
        ),
        BillingNote(
            "visit count", "An in-person visit: it counts toward the period's LUPA threshold.", rules.telehealth_source
        ),
    ]


def _telehealth_notes(code: str, rules: ClaimRules) -> list[BillingNote]:
    """A telecommunications or remote monitoring code: reported on the period claim, not counted as a visit."""
    unit_rule = (
        "One line per billing period, dated with the monitoring start; units = days monitored in the period."
        if rules.telehealth_codes[code] == "remote_monitoring"
        else "One dated line per service; 1 unit per service, not 15-minute increments."
    )
    return [
        _period_claim_note(rules),
        BillingNote(
            "revenue code",
            "The revenue code of the discipline that furnished the service (042X PT, 043X OT, 044X SLP, 055X SN, "
            "056X MSS, 057X aide).",
            rules.telehealth_source,
        ),
        BillingNote("units", unit_rule, rules.telehealth_source),
        BillingNote(
            "visit count",
            "Not a visit: it does not count toward LUPA thresholds or outliers. Reporting is voluntary from "
            f"{rules.telehealth['voluntary_from']} and required for periods from "
            f"{rules.telehealth['required_from']}.",
            rules.telehealth_source,
        ),
    ]


def _site_of_service_notes(code: str, rules: ClaimRules) -> list[BillingNote]:
    """A home health site-of-service code: one nominal-charge line per location."""
    return [
        _period_claim_note(rules),
        BillingNote(
            "revenue code", "The revenue code of the first billable visit at that location.", rules.site_source
        ),
        BillingNote(
            "units",
            f"1 unit, nominal charge ${rules.site_nominal_charge}, dated with the first visit at the location; "
            f"required for periods from {rules.site_required_from}.",
            rules.site_source,
        ),
    ]


def _hospice_site_notes(code: str, rules: ClaimRules) -> list[BillingNote]:
    return [BillingNote("setting", "Hospice only: invalid on a home health claim.", rules.site_source)]


def _home_infusion_notes(code: str, rules: ClaimRules) -> list[BillingNote]:
    return [
        BillingNote(
            "setting",
            "Home infusion therapy professional services: billed by a qualified HIT supplier on a professional "
            "claim (837P) to the A/B MAC, never by a home health agency on its 032X/034X claim.",
            rules.therapy_source,
        )
    ]


def _functional_reporting_notes(code: str, rules: ClaimRules) -> list[BillingNote]:
    return [
        BillingNote(
            "setting",
            f"Functional reporting: not reported for dates of service after {rules.functional_last_day}.",
            rules.therapy_source,
        )
    ]


def _kx_notes(code: str, rules: ClaimRules) -> list[BillingNote]:
    """KX: the therapy threshold modifier; the late-NOA exception modifier may be the same one."""
    notes: list[BillingNote] = []
    if rules.kx_latest is not None:
        year, row = rules.kx_latest
        notes.append(
            BillingNote(
                "setting",
                f"On therapy lines once the beneficiary's {year} spend passes the KX threshold (PT and SLP "
                f"combined ${row['pt_slp']}, OT ${row['ot']}): the therapy is medically necessary and documented.",
                clean_citation(str(row.get("source") or "")) or rules.kx_source or "hhbill KX threshold table",
            )
        )
    if code == rules.late_noa_modifier:
        notes.append(
            BillingNote(
                "late NOA",
                f"On the {rules.late_noa_line} (HIPPS) line of a period claim, with remarks, to ask for an "
                "exception to the late-NOA payment reduction.",
                rules.late_noa_source,
            )
        )
    return notes


def _therapy_assistant_notes(code: str, rules: ClaimRules) -> list[BillingNote]:
    role, discipline = rules.assistant_modifiers[code]
    return [
        BillingNote(
            "setting",
            f"On a 034X line of {rules.discipline_names[discipline]} furnished in whole or in part by a {role} "
            "(with the discipline's therapy modifier); the line is paid at a reduced percentage of the fee "
            "schedule amount.",
            rules.assistant_source,
        )
    ]


def _therapy_modifier_notes(code: str, rules: ClaimRules) -> list[BillingNote]:
    discipline = rules.therapy_modifiers[code]
    return [
        BillingNote(
            "setting",
            f"Required on every {rules.discipline_names[discipline]} line of a 034X claim (revenue code "
            f"{rules.discipline_revenue_034x.get(discipline, '')}) for therapy outside a home health plan of care.",
            rules.disciplines_source,
        )
    ]


#: the code's role on a claim, per the claims rule data (is the code one of them?, its billing notes);
#: the first that matches says how it is billed
_CLAIM_ROLES: tuple[tuple[Callable[[str, ClaimRules], bool], Callable[[str, ClaimRules], list[BillingNote]]], ...] = (
    (lambda code, rules: code in rules.visit_codes, _visit_code_notes),
    (lambda code, rules: code in rules.telehealth_codes, _telehealth_notes),
    (lambda code, rules: code in rules.site_codes, _site_of_service_notes),
    (lambda code, rules: code in rules.hospice_site_codes, _hospice_site_notes),
    (lambda code, rules: code in rules.hit_codes, _home_infusion_notes),
    (
        lambda code, rules: code in rules.functional_codes or code in rules.functional_modifiers,
        _functional_reporting_notes,
    ),
    (lambda code, rules: code in ("KX", rules.late_noa_modifier), _kx_notes),
    (lambda code, rules: code in rules.assistant_modifiers, _therapy_assistant_notes),
    (lambda code, rules: code in rules.therapy_modifiers, _therapy_modifier_notes),
)


def _claim_role_notes(record: HcpcsRecord, rules: ClaimRules) -> list[BillingNote]:
    """How the code is billed on a home health claim; else who bills it, from its pricing indicator."""
    for is_one, notes_of in _CLAIM_ROLES:
        if is_one(record.code, rules):
            notes = notes_of(record.code, rules)
            if notes:
                return notes
            break
    setting = pricing_setting(record)
    return [] if setting is None else [BillingNote("setting", setting[0], setting[1])]


def _record_field_notes(record: HcpcsRecord, facts: ReleaseFacts, record_note: str | None) -> list[BillingNote]:
    """What the HCPCS record's own fields say: processing note, type of service, coverage, pricing."""
    layout = f"{HCPCS_FILE}, {facts.release.label}; {LAYOUT_SOURCE}"
    notes: list[BillingNote] = []
    if record.processing_note and record_note:
        notes.append(
            BillingNote(
                "processing note",
                f"CMS processing note {record.processing_note}: {record_note}",
                f"{HCPCS_FILE} processing notes, {facts.release.label}",
            )
        )
    tos = [f"{t} ({meaning('type_of_service', t) or 'unknown'})" for t in record.types_of_service]
    if record.kind == "procedure" and tos:
        notes.append(BillingNote("type of service", "Type of service " + ", ".join(tos) + ".", layout))
    if record.coverage:
        coverage = meaning("coverage", record.coverage) or "unknown"
        notes.append(BillingNote("coverage", f"Coverage code {record.coverage}: {coverage}.", layout))
    notes += [
        BillingNote("pricing", f"Pricing indicator {price}: {meaning('pricing_indicator', price) or 'unknown'}", layout)
        for price in record.pricing_indicators
    ]
    return notes


def _fee_schedule_notes(rvu: RvuSection | None) -> list[BillingNote]:
    if rvu is None or not rvu.available or not rvu.status:
        return []
    text = (
        f"PFS status {rvu.status['code']} ({rvu.status.get('name') or 'unknown'}): paid separately, "
        f"national amount ${rvu.national_payment}."
        if rvu.priced
        else f"Not priced under the PFS: {rvu.not_priced_reason}"
    )
    return [BillingNote("physician fee schedule", text, rvu.source)]


def billing_notes(
    record: HcpcsRecord,
    facts: ReleaseFacts,
    rules: ClaimRules,
    rvu: RvuSection | None,
    record_note: str | None = None,
) -> list[BillingNote]:
    """How the code is billed, then what its record's fields and the physician fee schedule say."""
    return [
        *_claim_role_notes(record, rules),
        *_record_field_notes(record, facts, record_note),
        *_fee_schedule_notes(rvu),
    ]


# -- edits ------------------------------------------------------------------------------------------------------
def _edit_reasons(record: HcpcsRecord, facts: ReleaseFacts, rules: ClaimRules) -> list[tuple[str, str]]:
    code = record.code
    reasons: list[tuple[str, str]] = []
    if record.kind == "modifier":
        reasons.append(("modifier-valid-on-date", f"{code} must be a modifier in the HCPCS release in force"))
    else:
        reasons.append(("hcpcs-valid-on-date", f"{code} must be valid on the line date"))
    if record.coverage in ("I", "M", "S"):
        reasons.append(("hcpcs-not-payable-by-medicare", f"{code} has coverage code {record.coverage}"))
    if facts.excludes.get(code) or facts.excluded_by.get(code):
        reasons.append(("hcpcs-do-not-use-with", f"a HCPCS descriptor pairs {code} with codes not to bill with it"))
    if code in rules.visit_codes:
        reasons += [
            ("revenue-code-discipline", f"{code} must be billed under its discipline's revenue code"),
            ("skilled-visit", "a period claim needs at least one skilled visit line"),
            ("units-whole", "visit units are whole 15-minute increments"),
            ("site-of-service-paired", "the site-of-service line repeats a visit's revenue code and date"),
            ("hh-visit-code-on-34x", f"{code} belongs on 032X, not on a 034X therapy claim"),
        ]
    if code in rules.telehealth_codes:
        edit = (
            "telehealth-remote-monitoring"
            if rules.telehealth_codes[code] == "remote_monitoring"
            else "telehealth-units"
        )
        reasons += [
            (edit, f"the unit rule of {code}"),
            ("telehealth-reporting", "telecommunication services used in the period must be reported"),
        ]
    if code in rules.site_codes:
        reasons += [
            ("site-of-service-present", f"{code} is one of the site-of-service codes a period claim reports"),
            ("site-of-service-paired", f"{code} must repeat a visit's revenue code and date"),
        ]
    if code in rules.hospice_site_codes:
        reasons.append(("site-of-service-hospice-only", f"{code} is a hospice-only site code"))
    if code in rules.functional_codes or code in rules.functional_modifiers:
        reasons.append(("functional-reporting-obsolete", f"{code} is a discontinued functional-reporting code"))
    if code in rules.hit_codes:
        reasons.append(("hit-code-on-hha-claim", f"{code} is billed by HIT suppliers, not HHAs"))
    if code in rules.therapy_modifiers:
        name = rules.discipline_names[rules.therapy_modifiers[code]]
        reasons += [
            ("therapy-modifier", f"{code} is the modifier of {name} lines"),
            ("therapy-plan-date", f"{name} lines on 034X need the discipline's plan date"),
            ("therapy-start-of-treatment", f"{name} lines on 034X need the discipline's first day of treatment"),
            ("consolidated-billing", f"{name} under a home health plan of care belongs on the 032X period"),
        ]
    if code in rules.assistant_modifiers:
        role, discipline = rules.assistant_modifiers[code]
        reasons.append(
            ("therapy-assistant-modifier", f"{code} marks {rules.discipline_names[discipline]} furnished by a {role}")
        )
    if code == "KX":
        reasons += [
            ("therapy-kx-threshold", "KX marks therapy lines above the year's threshold"),
            ("therapy-kx-basis", "the threshold KX answers to counts fee schedule amounts"),
            ("noa-timely", "KX on the 0023 line requests a late-NOA exception"),
            ("kx-on-0023-timely-noa", "KX on the 0023 line of a claim whose NOA was timely excuses nothing"),
        ]
    return reasons


@cache
def _edit_catalog() -> dict[str, tuple[str, str, str, str | None]]:
    """Edit id -> (severity, meaning, citation, FISS reason code), from the scrubber's catalog data
    (``edits.json``; the claims package checks on load that each entry has its edit function, so the page reads
    the data alone and leaves the edit functions unloaded)."""
    return {
        row["id"]: (row["severity"], row["meaning"], clean_citation(row["citation"]), row["reason_code"])
        for row in load_claims_data("edits.json")["edits"]
    }


def edit_concerns(record: HcpcsRecord, facts: ReleaseFacts, rules: ClaimRules) -> list[EditConcern]:
    catalog = _edit_catalog()
    concerns = []
    for edit_id, why in dict(_edit_reasons(record, facts, rules)).items():
        edit = catalog.get(edit_id)
        if edit is None:  # an edit the catalog no longer has
            continue
        severity, meaning_text, citation, reason_code = edit
        concerns.append(EditConcern(edit_id, severity, why, meaning_text, citation, reason_code))
    return concerns


#: unit phrases of HCPCS descriptors, most specific first, and what they mean for the units billed
_UNIT_WORDS = {
    "each 15 minutes": "one unit for each 15 minutes",
    "per 15 minutes": "one unit for each 15 minutes",
    "per diem": "one unit per day",
    "per day": "one unit per day",
    "per visit": "one unit per visit",
    "per hour": "one unit per hour",
    "per month": "one unit per month",
    "per session": "one unit per session",
    "per pair": "one unit per pair",
    "each": "one unit for each one furnished",
}


# -- FAQ --------------------------------------------------------------------------------------------------------
def _note(billing: list[BillingNote], *topics: str) -> BillingNote | None:
    """The first billing note on one of these topics."""
    return next((n for n in billing if n.topic in topics), None)


def _who_bills_answer(billing: list[BillingNote]) -> tuple[str, list[str]]:
    """The setting (with its revenue code), else the CMS processing note, else the type of service."""
    setting = _note(billing, "type of bill", "setting")
    if setting is not None:
        revenue = _note(billing, "revenue code")
        if revenue is None:
            return setting.text, [setting.citation]
        return f"{setting.text} {revenue.text}", [setting.citation, revenue.citation]
    note = _note(billing, "processing note")
    if note is not None:
        return note.text, [note.citation]
    tos = _note(billing, "type of service")
    if tos is None:
        return "The HCPCS file does not name who bills it.", [LAYOUT_SOURCE]
    return f"The HCPCS file does not name a billing setting; its {tos.text[0].lower() + tos.text[1:]}", [tos.citation]


def _units_answer(record: HcpcsRecord, billing: list[BillingNote]) -> tuple[str, list[str]] | None:
    """The billing note on units, else the unit the descriptor states (procedures only)."""
    units = _note(billing, "units")
    if units is not None:
        return units.text, [units.citation]
    if record.kind != "procedure":
        return None
    text = record.long_description.lower()
    unit = next((u for u in _UNIT_WORDS if u in text), None)
    answer = (
        f"The descriptor states the unit '{unit}': {_UNIT_WORDS[unit]}."
        if unit
        else "The descriptor states no unit: one unit per service or item as described."
    )
    return answer, [f"{HCPCS_FILE} long description"]


def faq(
    record: HcpcsRecord,
    plain: PlainLanguage,
    billing: list[BillingNote],
    rvu: RvuSection | None,
    rules: ClaimRules,
) -> list[FaqItem]:
    code = record.code
    items = [FaqItem(f"What is {code}?", plain.text, [plain.source])]
    items.append(FaqItem(f"Who bills {code}?", *_who_bills_answer(billing)))
    units = _units_answer(record, billing)
    if units is not None:
        items.append(FaqItem(f"How many units of {code}?", *units))
    items.append(FaqItem(f"Is {code} paid separately?", *_paid_answer(record, rvu)))
    return items


def _paid_answer(record: HcpcsRecord, rvu: RvuSection | None) -> tuple[str, list[str]]:
    sources = [LAYOUT_SOURCE]
    parts = []
    if record.coverage:
        parts.append(f"Coverage {record.coverage}: {meaning('coverage', record.coverage) or 'unknown'}.")
    price1 = record.pricing_indicators[0] if record.pricing_indicators else ""
    if price1:
        parts.append(f"Pricing indicator {price1}: {meaning('pricing_indicator', price1) or 'unknown'}")
    if rvu is not None and rvu.available:
        parts.append(rvu.summary)
        sources.append(rvu.source)
    if not parts:
        parts.append("The HCPCS file does not say.")
    return " ".join(p if p.endswith(".") else p + "." for p in parts), sources
