from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Knowledge")

    def ready(self):
        from django.db.models.signals import post_migrate

        from knowledge import signals

        post_migrate.connect(
            signals.remove_orphan_rows, sender=self, dispatch_uid="knowledge_orphans"
        )
