from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0004_refund_undo_key_versions_review"),
    ]

    operations = [
        migrations.AddField(
            model_name="refund",
            name="reason",
            field=models.TextField(blank=True, default="", max_length=1000),
        ),
    ]
