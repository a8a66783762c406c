"""The environmental arithmetic (``services/sales/domain/environment.py``), without a database:
avoided = units × factor per year × assumed extra years, in grams; cards and allowances avoid
nothing; a category without a factor counts 0; a scrapped device counts its mass."""

from services.sales.domain.environment import (
    NOT_A_DEVICE,
    Avoided,
    Factor,
    avoided,
    device_category,
    grams,
    kg,
    per_unit,
    recycled_g,
)

FACTORS = {
    "smartphone": Factor("smartphone", 24_600, 76_900, 2.0, 190),
    "laptop": Factor("laptop", 27_000, 127_000, 3.0, 2_000),
}


def test_a_device_key_names_its_category():
    assert device_category("device:smartphone:b") == "smartphone"
    assert device_category("device:mobile_internet_key:a") == "mobile_internet_key"
    assert device_category("card:orange:1000") is None
    assert device_category("allowance:data-mb") is None


def test_a_smartphone_avoids_its_factor_times_the_extra_years():
    assert avoided("device:smartphone:a", 1, FACTORS, 4) == Avoided(49_200, 153_800, 4)


def test_units_multiply_the_per_unit_figure():
    line = avoided("device:laptop:c", 2, FACTORS, 1)
    assert line == Avoided(2 * 81_000, 2 * 381_000, 1)
    assert per_unit(line.co2e_g, 2) == 81_000


def test_cards_and_allowances_avoid_nothing_and_name_no_factor_version():
    assert avoided("card:orange:1000", 3, FACTORS, 1) == NOT_A_DEVICE
    assert avoided("allowance:minutes", 120, FACTORS, 1) == NOT_A_DEVICE


def test_a_category_without_a_factor_counts_zero_under_the_version_used():
    assert avoided("device:tablet:b", 1, FACTORS, 2) == Avoided(0, 0, 2)


def test_fractional_years_round_to_the_gram_per_unit():
    factors = {"smartphone": Factor("smartphone", 24_600, 76_900, 1.5, 190)}
    assert avoided("device:smartphone:b", 3, factors, 1) == Avoided(3 * 36_900, 3 * 115_350, 1)


def test_a_scrapped_device_counts_its_mass_not_an_avoided_figure():
    assert recycled_g("laptop", FACTORS) == 2_000
    assert recycled_g("desktop", FACTORS) == 0


def test_grams_and_kilograms_round_trip():
    assert grams(24.6) == 24_600
    assert kg(49_200) == 49.2
    assert kg(None) == 0.0
