"""Turn Russian and English text into search terms.

A word written in Cyrillic is stemmed with the Snowball Russian stemmer and
any other word with the Snowball English stemmer, so a mixed question such as
"не работает outlook" is handled word by word. Both search backends and the
scorer use these functions, which keeps their idea of a word the same.
"""

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from knowledge.stopwords import STOP_WORDS, WEAK_WORDS

WORD_REGEX = re.compile(r"[^\W_]+")
CYRILLIC_REGEX = re.compile(r"[а-я]")

# A Snowball stemmer keeps the word it is working on in its own attributes,
# so two threads that share one corrupt each other's stems (or raise
# IndexError). Under ASGI, requests search from several threads at once, so
# each thread gets its own pair.
_stemmers = threading.local()

# Weight of a word with little meaning on its own ("не работает", "problem").
WEAK_WEIGHT = 0.35


@dataclass(frozen=True)
class Term:
    """One content word of a question."""

    word: str
    stem: str
    weight: float


def normalize(text):
    return text.lower().replace("ё", "е")


def words(text):
    """Return the lower-cased words of ``text`` with punctuation removed."""
    return WORD_REGEX.findall(normalize(text))


@lru_cache(maxsize=100_000)
def stem(word):
    """Return the Snowball stem of a lower-cased word."""
    if word.isdigit():
        return word
    language = "russian" if CYRILLIC_REGEX.search(word) else "english"
    stemmer = getattr(_stemmers, language, None)
    if stemmer is None:
        stemmer = snowballstemmer.stemmer(language)
        setattr(_stemmers, language, stemmer)
    return stemmer.stemWord(word)


def is_content_word(word):
    return len(word) > 1 and word not in STOP_WORDS


def stems(text):
    """Return the stems of the content words of ``text``, in order."""
    return [stem(word) for word in words(text) if is_content_word(word)]


def query_terms(text):
    """Return the distinct content words of a question, each with its weight.

    Weak words and numbers without letters get WEAK_WEIGHT: "10" in "VPN
    drops every 10 minutes" means little, while codes such as "0x80070002"
    and "2fa" keep their full weight.
    """
    terms = {}
    for word in words(text):
        if not is_content_word(word):
            continue
        word_stem = stem(word)
        if word_stem in terms:
            continue
        is_weak = word_stem in WEAK_STEMS or word.isdigit()
        weight = WEAK_WEIGHT if is_weak else 1.0
        terms[word_stem] = Term(word=word, stem=word_stem, weight=weight)
    return list(terms.values())


def language_of(text):
    """Return "ru" when ``text`` has a Cyrillic letter, "en" for other letters.

    Russian questions often name products in Latin letters ("не работает
    outlook"), while English ones rarely contain Cyrillic.
    """
    text = normalize(text)
    if CYRILLIC_REGEX.search(text):
        return "ru"
    if any(char.isalpha() for char in text):
        return "en"
    return ""


WEAK_STEMS = frozenset(stem(word) for word in WEAK_WORDS)


# A word with a letter right after a minus at the start of the text or after
# a space, as in "printer -scan".
EXCLUDED_WORD_REGEX = re.compile(r"(?:^|(?<=\s))-(\w*[^\W\d_][\w-]*)")
QUOTED_REGEX = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class Operators:
    """The web-search operators of a query, as stems.

    ``excluded``: stems that a result must not contain ("-scan").
    ``required``: stems that a result must all contain, from quoted phrases.
    """

    excluded: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()

    def admit(self, candidate):
        """Return whether a scoring candidate passes the operators."""
        found = frozenset().union(*candidate.fields.values())
        return not (self.excluded & found) and self.required <= found


def parse_operators(query):
    """Return the query without its "-word" words, and its Operators.

    The other words stay joined by "or", so the operators narrow the results
    without changing how the other words rank.
    """
    excluded = frozenset(stems(" ".join(EXCLUDED_WORD_REGEX.findall(query))))
    required = frozenset(stems(" ".join(QUOTED_REGEX.findall(query))))
    text = EXCLUDED_WORD_REGEX.sub(" ", query).replace('"', " ")
    return text, Operators(excluded=excluded, required=required)
