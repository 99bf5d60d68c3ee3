"""Mark the replies that the daily token budget kept from Claude.

Replies stored before the flag existed are marked when their ticket offer
names the daily limit. A limited reply to a request for a person names
the person instead, so it stays unmarked.
"""

from django.db import migrations, models


def mark_limited_replies(apps, schema_editor):
    Message = apps.get_model("chat", "Message")
    Message.objects.filter(handoff="daily_limit").update(daily_limit_reached=True)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0005_citation_position"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="daily_limit_reached",
            field=models.BooleanField(
                default=False, verbose_name="daily limit reached"
            ),
        ),
        migrations.RunPython(mark_limited_replies, migrations.RunPython.noop),
    ]
