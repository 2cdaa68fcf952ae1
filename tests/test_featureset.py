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


@pytest.mark.parametrize("spec", ["adm:adm_enhn_gain_limit=1,egl=1.2", "float_adm:adm_enhn_gain_limit=1,egl=1.2",
                                  "speed_temporal:speed_prescale_method=bicubic,psm=nearest",
                                  "motion:motion_sample_rows=10,sr=4"])
def test_an_option_and_its_alias_must_agree(spec):
    """Given by its name and by its alias, an option was read from one and the other ignored; now two
    different values are refused (every extractor's options, the float ones and speed's included), and
    the same value twice is accepted."""
    import numpy as np

    import pyvmaf_tiny

    frames = np.random.default_rng(0).integers(0, 256, (3, 96, 96)).astype(np.uint8)
    with pytest.raises(pyvmaf_tiny.InputError, match="same option"):
        pyvmaf_tiny.extract_features(frames, frames[::-1].copy(), [spec])
    name, _, opts = spec.partition(":")
    first = opts.split(",")[0]
    alias = opts.split(",")[1].split("=")[0]
    same = f"{name}:{first},{alias}={first.split('=')[1]}"
    pyvmaf_tiny.extract_features(frames, frames[::-1].copy(), [same])
