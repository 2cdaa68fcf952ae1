"""Feature names: a typo gets the nearest names, not the whole catalogue."""

import pytest

import pyvmaf_tiny
from pyvmaf_tiny import featureset


@pytest.mark.parametrize("typo,suggested", [("psnrr", "psnr"), ("integer_adm_scale9", "integer_adm_scale3"),
                                            ("ssim", "float_ssim"), ("integer_vif_scal0", "integer_vif_scale0")])
def test_a_typo_names_the_closest_features(typo, suggested):
    with pytest.raises(pyvmaf_tiny.InputError) as e:
        featureset.resolve([typo])
    message = str(e.value)
    assert f"did you mean {suggested!r}" in message or f"or {suggested!r}" in message, message
    assert "\n" not in message and len(message) < 200, message


def test_a_name_unlike_any_lists_the_extractors_once():
    with pytest.raises(pyvmaf_tiny.InputError) as e:
        featureset.resolve(["zzzz"])
    listed = str(e.value).split("known extractors: ", 1)[1].split(", ")
    assert sorted(listed) == sorted(featureset.catalog()) and len(listed) == len(set(listed))
