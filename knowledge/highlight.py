"""Mark the words of a text that match a search question."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from knowledge.analysis import WORD_REGEX, is_content_word, normalize, query_terms, stem
from knowledge.search.scoring import near_stems


def highlight(text: str, query: str) -> SafeString:
    """Return ``text`` escaped, with the words matching ``query`` in <mark>.

    A word matches as it does in search: the same stem, a stem that the
    question's word starts, or a typo away when the question's word is not
    in the text at all.
    """
    terms = query_terms(query)
    found = list(WORD_REGEX.finditer(text))
    text_stems = {}
    for match in found:
        word = normalize(match.group())
        if is_content_word(word):
            text_stems[match.start()] = stem(word)

    matching_stems = set()
    vocabulary = set(text_stems.values())
    for term in terms:
        prefixed, fuzzy = near_stems(term.stem, vocabulary)
        matching_stems |= {term.stem} | prefixed | fuzzy

    pieces = []
    position = 0
    for match in found:
        if text_stems.get(match.start()) not in matching_stems:
            continue
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))
