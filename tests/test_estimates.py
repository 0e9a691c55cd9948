"""The time estimates: the FLOP arithmetic on GPUs, measured step times on the CPU."""

import pytest

from helpers import estimates, lesson
from helpers.estimates import HARDWARE
from helpers.models import COURSE_MODEL, EMBEDDED_DEFAULT


def test_gpu_training_is_six_n_flops_per_token_over_the_assumed_share_of_the_peak():
    t4, a100 = HARDWARE["t4"], HARDWARE["a100"]
    # the gpu scale: 200 steps of 4 x 4 rows (T4 profile) of ~900 tokens, gemma-2-2b's 2.614e9 parameters
    assert estimates.train_seconds(COURSE_MODEL, 200, None, 900, t4) == pytest.approx(
        200 * 16 * 900 * 6 * 2.614e9 / (65e12 * 0.20))
    assert estimates.train_seconds(COURSE_MODEL, 200, None, 900, a100) == pytest.approx(
        200 * 16 * 900 * 6 * 2.614e9 / (312e12 * 0.30))
    dpo = estimates.train_seconds(COURSE_MODEL, 10, 4, 500, t4, dpo=True)
    assert dpo == pytest.approx(estimates.train_seconds(COURSE_MODEL, 10, 4, 500, t4) * 16 / 6)


def test_a_small_model_on_a_gpu_costs_at_least_its_per_step_overhead():
    t4 = HARDWARE["t4"]
    assert estimates.train_seconds(EMBEDDED_DEFAULT, 30, 4, 186, t4) == pytest.approx(30 * t4.min_step_s)


def test_cpu_training_scales_the_measured_float32_step():
    cpu = HARDWARE["cpu"]
    assert estimates.train_seconds(EMBEDDED_DEFAULT, 30, 4, 186, cpu) == pytest.approx(30 * 5.0)
    assert estimates.train_seconds(EMBEDDED_DEFAULT, 3, 2, 186, cpu) == pytest.approx(3 * 2.5)
    assert estimates.train_seconds(EMBEDDED_DEFAULT, 10, 4, 767, cpu) == pytest.approx(10 * 5.0 * 767 / 186)
    assert estimates.train_seconds(COURSE_MODEL, 200, None, 900, cpu) is None


def test_rows_per_step_follow_the_profile_unless_the_scale_sets_a_batch():
    assert estimates.rows_per_step(None, HARDWARE["t4"]) == 16 and estimates.rows_per_step(2, HARDWARE["t4"]) == 8
    assert estimates.rows_per_step(None, HARDWARE["a100"]) == 16 and estimates.rows_per_step(None, HARDWARE["cpu"]) == 4


def test_generation_counts_decoding_steps_of_each_batch():
    cpu = HARDWARE["cpu"]
    assert estimates.generate_seconds(EMBEDDED_DEFAULT, 17, 100, 8, cpu) == pytest.approx(3 * 100 * 0.7 * 0.2)
    assert estimates.generate_seconds(COURSE_MODEL, 8, 100, 8, cpu) is None


def test_training_estimate_shows_its_arithmetic_and_says_it_is_an_estimate():
    cfg = lesson.get_scale("gpu").train_config("x")
    text = estimates.training_estimate(cfg, HARDWARE["t4"])
    assert "an estimate" in text and "200 steps x 16 rows x ~900 tokens (assumed) = 2,880,000 tokens" in text
    assert "x 6 x 2.61e+09" in text and "65 TFLOPS x 20% assumed utilisation" in text and "about 58 min" in text
    cpu_text = estimates.training_estimate(lesson.get_scale("cpu").train_config("x"), HARDWARE["cpu"])
    assert "measured" in cpu_text and "30 steps x 4 rows x ~186 tokens" in cpu_text and "about 2 min" in cpu_text
    assert "not practical" in estimates.training_estimate(cfg, HARDWARE["cpu"])


@pytest.mark.parametrize("notebook", ["03", "04", "05"])
def test_time_table_has_every_scale_on_every_hardware(notebook):
    table = estimates.time_table(notebook)
    assert all(HARDWARE[h].name in table.splitlines()[0] for h in HARDWARE)
    rows = {line.split()[0]: line for line in table.splitlines()[1:4]}
    assert set(rows) == {"smoke", "cpu", "gpu"} and "not practical" in rows["gpu"]
    assert "estimates, not measurements" in table
    for scale in lesson.SCALES.values():
        for hw in HARDWARE.values():
            run, extra = estimates.notebook_seconds(notebook, scale, hw)
            assert (run is None) == (scale.name == "gpu" and hw.peak_tflops is None)
            assert run is None or run > 0
    with pytest.raises(ValueError, match="unknown notebook"):
        estimates.notebook_seconds("07", lesson.get_scale("smoke"), HARDWARE["cpu"])


def test_durations_read_as_seconds_minutes_or_hours():
    assert [estimates.format_duration(s) for s in (0.2, 45, 150, 3474.6, 8000, None)] == [
        "1 s", "45 s", "2 min", "58 min", "2.2 h", "not practical"]
