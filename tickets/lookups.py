"""The query lookup behind the admin's ticket search."""

from django.db.models import Value
from django.db.models.functions import Replace
from django.db.models.lookups import IContains


def fold_yo(text):
    """Return ``text`` with "ё" and "Ё" written as "е" and "Е".

    Russian text often writes "ё" as "е", so one word comes in both spellings.
    """
    return text.replace("ё", "е").replace("Ё", "Е")


class YoFoldedIContains(IContains):
    """``icontains`` that also treats "ё" as "е", in the column and the value.

    It keeps the ``lookup_name`` of ``icontains``, which selects the SQL
    operator, so register it under another name, such as "yo_icontains".
    SQLite matches letters outside ASCII only in the same case, so there
    "елки" finds "ёлки" but not "Ёлки". PostgreSQL finds both.
    """

    def get_prep_lookup(self):
        value = super().get_prep_lookup()
        return fold_yo(value) if isinstance(value, str) else value

    def process_lhs(self, compiler, connection, lhs=None):
        folded = Replace(
            Replace(lhs or self.lhs, Value("ё"), Value("е")), Value("Ё"), Value("Е")
        )
        return super().process_lhs(compiler, connection, folded)
