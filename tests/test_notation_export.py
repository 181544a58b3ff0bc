import numpy as np
import pretty_midi
import pytest

from musiclab.data import encode_melody, load_file
from musiclab.data.melody import tokens_to_notes
from musiclab.export import export_midi, export_musicxml, export_wav
from musiclab.notation import score_svg, show_score
from tests.test_audio import scale_tokens


def test_score_is_svg_with_every_note():
    svg = score_svg(scale_tokens(8))
    assert svg.lstrip().startswith("<svg") or "<svg" in svg[:200]
    assert svg.count('class="note"') == 8
    assert show_score(scale_tokens(2))._repr_svg_().count('class="note"') == 2


def test_chorale_score_has_four_staves(bundled):
    index = int(np.flatnonzero(bundled.metadata["collection"] == "bach")[0])
    svg = score_svg(bundled.satb_stream(index))
    assert svg.count('class="staff"') >= 4


def test_midi_export_keeps_the_notes(tmp_path):
    tokens = scale_tokens(8)
    path = export_midi(tokens, tmp_path / "out", "scale.whatever", tempo=120)
    assert path == tmp_path / "out" / "scale.mid"
    midi = pretty_midi.PrettyMIDI(str(path))
    notes = [(round(n.start * 2), n.pitch) for n in midi.instruments[0].notes]
    assert notes == [(on // 4, pitch) for on, _, pitch in tokens_to_notes(tokens)]


def test_musicxml_export_round_trips(tmp_path):
    tokens = scale_tokens(6)
    path = export_musicxml(tokens, tmp_path, "scale")
    again, _ = encode_melody(load_file(path))
    np.testing.assert_array_equal(again[: len(tokens)], tokens)


def test_wav_export(tmp_path):
    path = export_wav(scale_tokens(4), tmp_path, "scale", instrument="flute")
    assert path.suffix == ".wav" and path.stat().st_size > 100_000
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_needs_a_folder():
    with pytest.raises(ValueError, match="folder: name the folder"):
        export_midi(scale_tokens(2), None, "x")
