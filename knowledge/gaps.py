"""Record questions that no knowledge-base article answered."""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from knowledge.analysis import words
from knowledge.models import KnowledgeGap

logger = logging.getLogger(__name__)

MAX_QUESTION_LENGTH = 2000


def normalize_question(question):
    """Return the question's lower-cased words, without punctuation."""
    max_length = KnowledgeGap._meta.get_field("normalized").max_length
    return " ".join(words(question))[:max_length].strip()


def record_gap(question, language=""):
    """Count ``question`` as unanswered, grouped with its identical forms.

    Questions that differ only in case, punctuation or spacing share one KnowledgeGap.
    Returns the KnowledgeGap, or None when the question has no words.
    """
    normalized = normalize_question(question)
    if not normalized:
        return None
    question = question.strip()[:MAX_QUESTION_LENGTH]
    language = language if language in ("en", "ru") else ""
    now = timezone.now()

    updated = KnowledgeGap.objects.filter(normalized=normalized).update(
        count=F("count") + 1, question=question, last_asked_at=now
    )
    if not updated:
        try:
            with transaction.atomic():
                KnowledgeGap.objects.create(
                    question=question,
                    normalized=normalized,
                    language=language,
                    last_asked_at=now,
                )
        except IntegrityError:
            # Another request recorded the same question in the meantime.
            KnowledgeGap.objects.filter(normalized=normalized).update(
                count=F("count") + 1, question=question, last_asked_at=now
            )
    gap = KnowledgeGap.objects.get(normalized=normalized)
    logger.info("Knowledge gap %s recorded, asked %d times", gap.pk, gap.count)
    return gap
