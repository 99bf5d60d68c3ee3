"""Turn Claude's ``report_assessment`` call into the reply's Assessment.

The model's input is untrusted: an employee's message can try to talk the
model into any confidence. So every field is checked, cited ids are kept only
when they name a hit, and the final confidence is capped by how well the
knowledge base matched.
"""

import math

from django.utils import translation
from django.utils.translation import gettext as _

from chat.intent import asks_for_person
from chat.responders.base import Assessment, clean_text
from chat.responders.prompt import CATEGORY_SLUGS

# How far the model's confidence may rise above the best search score.
KB_MARGIN = 0.25


def combine_confidence(model_confidence, kb_score):
    """Return min(model, kb + KB_MARGIN), clamped to [0, 1].

    The model reads the articles, so it can tell when a high-scoring article
    does not answer the question, and its lower value wins. It cannot lift
    the result far above the search score, because a model's self-reported
    confidence is not calibrated and the text it reads can argue it upward.
    The margin lets a good answer pass the handoff threshold when the search
    ranked the article only moderately, for example when the question uses
    words that the article does not. With no hit at all the result is at most
    KB_MARGIN, so that a reply without any article always offers a ticket at
    the default threshold of 0.6.
    """
    combined = min(model_confidence, kb_score + KB_MARGIN)
    return max(0.0, min(1.0, combined))


def best_score(hits):
    return max((hit.score for hit in hits), default=0.0)


def assessment_from_tool(tool_input, question, hits, language):
    """Return the Assessment that ``tool_input`` reports, or None when it is invalid.

    An empty reason or an unknown category is filled in from the search.
    """
    if not isinstance(tool_input, dict):
        return None
    confidence = tool_input.get("confidence")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        return None
    if not math.isfinite(confidence):
        return None

    assessment = assessment_from_search(question, hits, language)
    assessment.confidence = combine_confidence(float(confidence), best_score(hits))
    assessment.asked_for_person = tool_input.get("asked_for_person") is True

    hit_ids = [hit.article.pk for hit in hits]
    # The model's order is kept: the chat lists the sources in it.
    cited = tool_input.get("cited_article_ids")
    cited_ids = []
    if isinstance(cited, list):
        for pk in cited:
            if type(pk) is int and pk in hit_ids and pk not in cited_ids:
                cited_ids.append(pk)
    assessment.cited_article_ids = cited_ids

    category = tool_input.get("suggested_category")
    if category in CATEGORY_SLUGS:
        assessment.suggested_category = category
    reason = tool_input.get("reason")
    if isinstance(reason, str) and clean_text(reason).strip():
        assessment.reason = clean_text(reason).strip()
    return assessment


def assessment_from_search(question, hits, language):
    """Return an Assessment built from the search alone.

    It replaces the model's assessment when the model did not call the tool.
    The confidence is the best search score, as in the offline responder.
    """
    best = max(hits, key=lambda hit: hit.score, default=None)
    with translation.override(language):
        if best is None:
            reason = _("No article covers this question.")
        else:
            reason = _("Based on '%(title)s'.") % {"title": best.article.title}
    return Assessment(
        confidence=best.score if best else 0.0,
        reason=reason,
        cited_article_ids=[best.article.pk] if best else [],
        suggested_category=best.article.category.slug if best else "",
        asked_for_person=asks_for_person(question),
    )
