from musiclab.data import COLLECTIONS, catalogue, collection_counts
from musiclab.data.corpus import abc_headers, split_abc


def test_collections_have_the_documented_sizes():
    counts = collection_counts()
    assert set(counts) == set(COLLECTIONS) == {"bach", "essen", "oneill", "ryan"}
    assert counts["bach"]["tunes"] == 371
    assert 8300 <= counts["essen"]["tunes"] <= 8600
    assert 1150 <= counts["essen"]["regions"]["chinese"] <= 1250
    assert 1950 <= counts["oneill"]["tunes"] <= 2100
    assert 1000 <= counts["ryan"]["tunes"] <= 1100


def test_metadata_from_headers():
    ryan = catalogue("ryan")
    dances = {tune.dance for tune in ryan}
    assert {"reel", "jig", "hornpipe", "strathspey"} <= dances
    reel = next(tune for tune in ryan if tune.id == "ryan/AcaciaReel.abc#1")
    assert (reel.title, reel.key, reel.meter) == ("Acacia -- Reel", "G", "2/4")
    assert reel.region == "fiddle"
    han = next(tune for tune in catalogue("essen") if tune.id == "essen/han1.abc#1")
    assert han.region == "chinese" and han.title == "Renmin gongshe shizai hao"
    chorale = catalogue("bach")[0]
    assert chorale.title.startswith("Aus meines Herzens Grunde") and chorale.region == "bach"


def test_duplicate_chorales_share_a_piece():
    pieces = [tune.piece for tune in catalogue("bach")]
    assert len(pieces) == 371 and len(set(pieces)) < 371


def test_split_abc_and_headers():
    text = "%comment\nX:3\nT:One\nK:G\nabc|\n\nX:4\nT:Two\nM:3/4\nK:Dm\ndef|\n"
    tunes = split_abc(text)
    assert [number for number, _ in tunes] == [3, 4]
    assert abc_headers(tunes[1][1]) == {"X": "4", "T": "Two", "M": "3/4", "K": "Dm"}


def test_unknown_source_names_the_argument():
    import pytest

    with pytest.raises(ValueError, match="nosuch: not a collection"):
        catalogue("nosuch")
