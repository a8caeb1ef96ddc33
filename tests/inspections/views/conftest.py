"""What the view tests share: a criterion that deducts 2 points, and the files left in MEDIA_ROOT."""

import os

import pytest

from tests import factories


def media_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(
        os.path.relpath(os.path.join(path, name), root)
        for path, _dirs, names in os.walk(root) for name in names
    )


@pytest.fixture
def criterion(tree):
    return factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                      points=2, deadline_days=3)
