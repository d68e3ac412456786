from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0003_email_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="is_published",
            field=models.BooleanField(default=True),
        ),
    ]
