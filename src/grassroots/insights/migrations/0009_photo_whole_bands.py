"""The photo index keeps, beside the bands of every variant of a photo, the bands of its whole hash tagged apart
(`perceptual.keys`): a new photo looks its variants up among the kept photos' whole hashes only. The photos kept
already get those four rows here, from their stored hashes (the whole photo's first); nothing is decoded again."""

import numpy as np
from django.db import migrations

WHOLE = 1 << 18  # perceptual.WHOLE, as it was when this migration was written
BANDS, BAND_BITS = 4, 16


def whole_bands(apps, schema_editor):
    PhotoSignature = apps.get_model("insights", "PhotoSignature")
    PhotoBand = apps.get_model("insights", "PhotoBand")
    mask = (1 << BAND_BITS) - 1
    rows = []
    for pk, hashes in PhotoSignature.objects.values_list("pk", "hashes").iterator(chunk_size=2000):
        if not hashes:
            continue
        whole = int(np.frombuffer(bytes(hashes), dtype="<u8")[0])
        keys = {WHOLE | (i << BAND_BITS) | ((whole >> (i * BAND_BITS)) & mask) for i in range(BANDS)}
        rows += [PhotoBand(signature_id=pk, key=k) for k in keys]
        if len(rows) >= 8000:
            PhotoBand.objects.bulk_create(rows)
            rows = []
    PhotoBand.objects.bulk_create(rows)


def forget_whole_bands(apps, schema_editor):
    apps.get_model("insights", "PhotoBand").objects.filter(key__gte=WHOLE, key__lt=2 * WHOLE).delete()


class Migration(migrations.Migration):
    dependencies = [("insights", "0008_kept_diagnosis")]

    operations = [migrations.RunPython(whole_bands, forget_whole_bands)]
