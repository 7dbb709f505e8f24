"""Publish version 1 of the industry self-discipline convention so exporters
have something to sign on a fresh installation. Organisers publish later
versions through the admin."""

import datetime

from django.db import migrations

TITLE = "Used-Car Export Industry Self-Discipline Convention"

BODY = """\
We, the undersigned used-car exporters, commit to the following so that overseas \
buyers can trust vehicles exported from China and the trade can grow on a sound footing.

1. Honest description. We describe every vehicle truthfully: make, model, model year, \
first registration, mileage, condition grade, accident and flood history, and any defect we know of.

2. No odometer tampering. We never alter, roll back or disguise a vehicle's mileage, \
and we refuse vehicles we suspect have been tampered with.

3. Lawful export. We export only under a valid used-car export qualification, with \
complete deregistration, inspection and customs documents for every vehicle.

4. Respect for destination rules. We offer a vehicle only where the destination \
country's import rules (age, steering, emission standard, fuel) allow it, and we tell \
buyers when a rule is uncertain.

5. Fair pricing and competition. We quote real prices and incoterms, keep to prices \
we have agreed, and do not undercut by misrepresenting vehicles or "zero-kilometre" \
new cars as used ones.

6. Delivery and after-sales. We deliver what was agreed, on time, and support buyers \
with spare parts, documents and service information after delivery.

7. Data and privacy. We use contact details received through CarBridge only for the \
business they were shared for.

8. Disputes. We settle disputes in good faith, through the organisers' mediation first, \
and accept that breaches of this convention may be reported to the industry association \
and lead to exclusion from its events.

我们，签署本公约的二手车出口企业，承诺如实描述车辆、杜绝篡改里程、依法出口、遵守目的国进口规定、\
公平定价与竞争、按约交付并提供售后服务、保护合作方信息，并以诚信原则解决争议。
"""


def publish(apps, schema_editor):
    ConventionVersion = apps.get_model("accounts", "ConventionVersion")
    ConventionVersion.objects.get_or_create(
        version=1,
        defaults={"title": TITLE, "body": BODY, "published_on": datetime.date(2026, 11, 1)},
    )


def unpublish(apps, schema_editor):
    ConventionVersion = apps.get_model("accounts", "ConventionVersion")
    ConventionVersion.objects.filter(version=1, signatures__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(publish, unpublish)]
