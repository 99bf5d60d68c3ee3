"""Answer from the knowledge base alone, without a language model.

The answer quotes the best-matching article's own steps and never writes
steps of its own, so it is only as good as the knowledge base. Confidence is
the search score of that article.
"""

import asyncio
import re

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from chat.intent import asks_for_person, is_closing, reports_solved
from chat.responders.base import Assessment

# Splits text into words with their trailing spaces and newlines, so that
# joining the chunks gives back the text exactly.
CHUNK_REGEX = re.compile(r"\S+\s*|\s+")
RELATED_LIMIT = 2


class OfflineResponder:
    name = "knowledge_base"

    def __init__(self, word_delay=None):
        if word_delay is None:
            word_delay = settings.HELPDESK_OFFLINE_WORD_DELAY
        self.word_delay = word_delay

    async def stream(self, question, history, hits, language):
        with translation.override(language):
            text, assessment = self.compose(question, hits, after_answer=bool(history))
        for chunk in CHUNK_REGEX.findall(text):
            yield chunk
            if self.word_delay:
                await asyncio.sleep(self.word_delay)
        yield assessment

    def compose(self, question, hits, after_answer=False):
        """Return the answer's Markdown and its assessment.

        ``after_answer`` is true when the conversation has earlier messages,
        so that a report of the problem solved refers to an earlier reply.
        """
        if is_closing(question):
            # Thanks alone may follow a ticket offer, which solved nothing
            # yet, or open a conversation.
            if after_answer and reports_solved(question):
                text = _("Glad it helped! If anything else comes up, describe it here.")
                reason = _("You said that the problem is solved.")
            else:
                text = _("You're welcome! If anything else comes up, describe it here.")
                reason = _("You thanked the assistant.")
            return text, Assessment(confidence=1.0, reason=reason, closing=True)
        threshold = settings.HELPDESK_CONFIDENCE_THRESHOLD
        asked_for_person = asks_for_person(question)
        best = hits[0] if hits else None
        # A match under half the threshold is weak evidence of the topic, so
        # it suggests no category and no article.
        relevant_score = threshold / 2
        relevant = best is not None and best.score >= relevant_score
        category = best.article.category.slug if relevant else ""

        if asked_for_person:
            text = _(
                "Of course. Fill in the ticket form below and IT staff will "
                "get back to you."
            )
            if best and best.score >= threshold:
                # The reply also points to this article, so it cites the
                # article and its confidence is the article's score.
                text += "\n\n" + _("Meanwhile, this article may help: %(title)s.") % {
                    "title": best.article.title
                }
                return text, Assessment(
                    confidence=best.score,
                    reason=_("Based on '%(title)s'.") % {"title": best.article.title},
                    cited_article_ids=[best.article.pk],
                    suggested_category=category,
                    asked_for_person=True,
                )
            # The reply only hands over to IT staff and cites no article, so
            # chat.assistant stores no confidence for it.
            return text, Assessment(
                confidence=0.0,
                reason=_("You asked for a person."),
                suggested_category=category,
                asked_for_person=True,
            )

        if not relevant:
            text = _(
                "No article in the knowledge base covers this question. "
                "Please create a ticket and IT staff will help you."
            )
            return text, Assessment(
                confidence=0.0, reason=_("No article covers this question.")
            )

        if best.score < threshold:
            # The hits after the best can match a word or two of another
            # topic, such as a printer article for a VPN question.
            closest = [
                hit for hit in hits[: RELATED_LIMIT + 1] if hit.score >= relevant_score
            ]
            titles = [hit.article.title for hit in closest]
            text = _(
                "I could not find an article that clearly covers this. The "
                "closest ones are:"
            )
            text += "\n\n" + "\n".join(f"- {title}" for title in titles)
            text += "\n\n" + _(
                "If they do not help, create a ticket and IT staff will take a look."
            )
            return text, Assessment(
                confidence=best.score,
                reason=_("Only a weak match: '%(title)s'.") % {"title": titles[0]},
                cited_article_ids=[hit.article.pk for hit in closest],
                suggested_category=category,
            )

        article = best.article
        text = _("This looks like **%(title)s**. Here is what to do:") % {
            "title": article.title
        }
        text += "\n\n" + article.solution.strip()
        # Strong matches in the same language only: the other language's
        # version of the same topic would repeat the steps.
        related = [
            hit.article
            for hit in hits[1:]
            if hit.score >= threshold and hit.article.language == article.language
        ][:RELATED_LIMIT]
        if related:
            text += "\n\n" + _("See also:") + " "
            text += "; ".join(item.title for item in related)
        return text, Assessment(
            confidence=best.score,
            reason=_("Based on '%(title)s'.") % {"title": article.title},
            cited_article_ids=[article.pk] + [item.pk for item in related],
            suggested_category=category,
        )
