"""Turn a resolved ticket into a draft knowledge-base article."""

import re

from django.utils.translation import gettext as _

from knowledge.models import Article
from tickets.models import Comment, Ticket

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


class ArticleDraftError(Exception):
    pass


def draft_article(ticket):
    """Return an unpublished article made from the ticket, and whether it is new.

    The article takes the ticket's problem and staff replies. A draft that
    is still unpublished in the same category under the ticket's subject is
    returned instead of a second one, so a repeated click adds nothing.
    Raises ArticleDraftError when the ticket is not resolved or has no
    category, because every article belongs to a category.
    """
    if ticket.status not in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        raise ArticleDraftError(
            _("Only a resolved or closed ticket can become an article.")
        )
    if ticket.category_id is None:
        raise ArticleDraftError(
            _("Set the ticket's category first: every article needs one.")
        )

    existing = Article.objects.filter(
        category_id=ticket.category_id, title=ticket.subject, is_published=False
    ).first()
    if existing is not None:
        return existing, False

    replies = ticket.comments.filter(kind=Comment.Kind.STAFF_REPLY)
    problem = ticket.description.strip()
    article = Article.objects.create(
        category_id=ticket.category_id,
        title=ticket.subject,
        problem=problem,
        solution="\n\n".join(reply.body.strip() for reply in replies),
        language=guess_language(f"{ticket.subject} {problem}"),
        is_published=False,
    )
    return article, True


def guess_language(text):
    """Return "ru" when the text contains Cyrillic letters, else "en"."""
    if CYRILLIC.search(text):
        return Article.Language.RUSSIAN
    return Article.Language.ENGLISH
