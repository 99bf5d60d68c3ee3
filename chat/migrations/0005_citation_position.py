"""Store the order of a reply's cited articles.

The table that Django created for Message.cited_articles becomes the
Citation model without a change in the database, as Django's documentation
describes for changing a ManyToManyField to use a through model. Then it
gets the ``position`` column. Existing citations get position 0.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0004_rerender_deeply_nested_replies"),
        ("knowledge", "0004_stems_and_lexemes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Citation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "article",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="citations",
                                to="knowledge.article",
                            ),
                        ),
                        (
                            "message",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="citations",
                                to="chat.message",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "citation",
                        "verbose_name_plural": "citations",
                        "db_table": "chat_message_cited_articles",
                        "unique_together": {("message", "article")},
                    },
                ),
                migrations.AlterField(
                    model_name="message",
                    name="cited_articles",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="citing_messages",
                        through="chat.Citation",
                        to="knowledge.article",
                        verbose_name="cited articles",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="citation",
            name="position",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="position"),
        ),
        migrations.AlterModelOptions(
            name="citation",
            options={
                "ordering": ["position", "pk"],
                "verbose_name": "citation",
                "verbose_name_plural": "citations",
            },
        ),
    ]
