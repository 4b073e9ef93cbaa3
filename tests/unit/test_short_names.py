"""Product names cut to a column keep the word that tells two sizes apart."""

from __future__ import annotations

from posterm.ui.names import count_of, short_name


def test_a_name_that_fits_is_unchanged():
    assert short_name("Tata Salt 1kg", 29) == "Tata Salt 1kg"


def test_two_sizes_stay_apart_once_cut():
    one = short_name("Annapurna Gold Sona Masoori Rice 1kg", 29)
    five = short_name("Annapurna Gold Sona Masoori Rice 5kg", 29)
    assert one == "Annapurna Gold Sona Maso… 1kg"
    assert five.endswith("… 5kg") and one != five
    assert len(short_name("Annapurna Gold Sona Masoori Rice 10kg", 20)) <= 20


def test_a_long_last_word_is_cut_at_the_end():
    assert short_name("Supercalifragilistic Expialidociousness", 20) == "Supercalifragilisti…"


def test_a_count_of_one_is_singular():
    assert count_of(1, "entry", "entries") == "1 entry"
    assert count_of(2, "entry", "entries") == "2 entries"
    assert count_of(0, "product") == "0 products"
