"""A SoundFont 2 sample player in NumPy: fast mono rendering for interactive use.

``SoundFont(path)`` reads the presets, instruments and samples of a ``.sf2``
file once; ``render(midi)`` plays a ``pretty_midi.PrettyMIDI`` through it. Each
note picks the zones of its preset whose key and velocity ranges hold it, and
plays their samples repitched by linear interpolation, looping where the zone
loops, under the zone's volume envelope (delay, attack, hold, decay, sustain,
release; a release tail lasts at most ``MAX_TAIL_SECONDS``) and attenuation.
Preset-level generators add to instrument-level ones as the SoundFont 2.04
specification says. Recently played keys are cached.

Left out, for speed: filters, LFOs, modulators other than velocity to volume,
pan (the output is mono), and the chorus and reverb effects. Rendering a
melody takes a few milliseconds, against tens for a full synthesiser with effects.
"""

import collections
import functools
import threading
from pathlib import Path

import numpy as np

SAMPLE_RATE = 24000
MASTER_GAIN = 0.25  # about the level of the same soundfont through midirenderer
CACHE_BYTES = 64 * 2**20
SILENT_CENTIBELS = 600.0  # a release tail is cut at -60 dB
BLOCK = 32  # frames per envelope value
MAX_TAIL_SECONDS = 0.4  # longer releases fade out within this

# generator numbers of the SoundFont 2.04 specification
_START, _END, _LOOP_START, _LOOP_END, _START_COARSE = 0, 1, 2, 3, 4
_END_COARSE, _LOOP_START_COARSE, _LOOP_END_COARSE = 12, 45, 50
_DELAY, _ATTACK, _HOLD, _DECAY, _SUSTAIN, _RELEASE = 33, 34, 35, 36, 37, 38
_KEY_TO_HOLD, _KEY_TO_DECAY = 39, 40
_INSTRUMENT, _KEY_RANGE, _VELOCITY_RANGE = 41, 43, 44
_ATTENUATION, _COARSE_TUNE, _FINE_TUNE, _SAMPLE_ID, _SAMPLE_MODES = 48, 51, 52, 53, 54
_SCALE_TUNING, _ROOT_KEY = 56, 58
_RANGES = (_KEY_RANGE, _VELOCITY_RANGE)
_DEFAULTS = {_DELAY: -12000, _ATTACK: -12000, _HOLD: -12000, _DECAY: -12000,
             _RELEASE: -12000, _SCALE_TUNING: 100, _ROOT_KEY: -1}

_PRESET = np.dtype([("name", "S20"), ("preset", "<u2"), ("bank", "<u2"), ("bag", "<u2"),
                    ("library", "<u4"), ("genre", "<u4"), ("morphology", "<u4")])
_BAG = np.dtype([("generator", "<u2"), ("modulator", "<u2")])
_GENERATOR = np.dtype([("operator", "<u2"), ("amount", "<i2")])
_INSTRUMENT_RECORD = np.dtype([("name", "S20"), ("bag", "<u2")])
_SAMPLE = np.dtype([("name", "S20"), ("start", "<u4"), ("end", "<u4"), ("loop_start", "<u4"),
                    ("loop_end", "<u4"), ("rate", "<u4"), ("pitch", "u1"),
                    ("correction", "i1"), ("link", "<u2"), ("type", "<u2")])


class SoundFontError(ValueError):
    """A file that is not a SoundFont 2 this player can read."""


def _chunks(data, start, end, path):
    """``{chunk id: (offset, size)}`` of the RIFF chunks in ``data[start:end]``; a LIST
    chunk is keyed by its list type."""
    found = {}
    while start + 8 <= end:
        name, size = data[start:start + 4].decode("latin-1"), int.from_bytes(
            data[start + 4:start + 8], "little")
        if start + 8 + size > end:
            raise SoundFontError(f"{path}: truncated RIFF chunk {name!r}")
        if name == "LIST":
            name = data[start + 8:start + 12].decode("latin-1")
            found[name] = (start + 12, size - 4)
        else:
            found[name] = (start + 8, size)
        start += 8 + size + (size & 1)
    return found


def _zones(bags, generators, first, last):
    """Generator dictionaries of the zones ``first..last - 1`` of a preset or instrument."""
    zones = []
    for bag in range(first, last):
        zone = {}
        for record in generators[bags[bag]["generator"]:bags[bag + 1]["generator"]]:
            operator, amount = int(record["operator"]), int(record["amount"])
            if operator in _RANGES:
                amount &= 0xFFFF
                zone[operator] = (amount & 0xFF, amount >> 8)
            else:
                zone[operator] = amount
        zones.append(zone)
    return zones


def _with_global(zones, terminal):
    """Zones with the global zone (the first one, when it lacks ``terminal``) merged in."""
    if zones and terminal not in zones[0]:
        return [{**zones[0], **zone} for zone in zones[1:] if terminal in zone]
    return [zone for zone in zones if terminal in zone]


def _timecents(value):
    return 0.0 if value <= -32768 else 2.0 ** (value / 1200.0)


class SoundFont:
    """The presets of a SoundFont 2 file, ready to play.

    Args:
        path: a ``.sf2`` file.

    Raises:
        SoundFontError: naming the file when it is missing, not a SoundFont 2, or damaged.
    """

    def __init__(self, path):
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise SoundFontError(f"{path}: cannot read ({error.strerror or error})") from None
        if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"sfbk":
            raise SoundFontError(f"{path}: not a SoundFont 2 file")
        top = _chunks(data, 12, min(len(data), 8 + int.from_bytes(data[4:8], "little")), path)
        if "sdta" not in top or "pdta" not in top:
            raise SoundFontError(f"{path}: no sample or preset data")
        samples = _chunks(data, *self._span(top["sdta"]), path)
        tables = _chunks(data, *self._span(top["pdta"]), path)
        needed = ("phdr", "pbag", "pgen", "inst", "ibag", "igen", "shdr")
        if "smpl" not in samples or any(name not in tables for name in needed):
            raise SoundFontError(f"{path}: incomplete SoundFont 2 tables")

        def table(name, dtype):
            offset, size = tables[name]
            return np.frombuffer(data, dtype, size // dtype.itemsize, offset)

        offset, size = samples["smpl"]
        self.samples = np.frombuffer(data, "<i2", size // 2, offset).astype(np.float32) / 32768
        self.path = path
        self._cache, self._cached_bytes = collections.OrderedDict(), 0
        self._lock = threading.Lock()  # widgets render from timer threads
        try:
            self._presets = self._read_presets(
                table("phdr", _PRESET), table("pbag", _BAG), table("pgen", _GENERATOR),
                table("inst", _INSTRUMENT_RECORD), table("ibag", _BAG),
                table("igen", _GENERATOR), table("shdr", _SAMPLE))
        except (IndexError, KeyError, ValueError) as error:
            raise SoundFontError(f"{path}: damaged preset tables ({error})") from None
        if not self._presets:
            raise SoundFontError(f"{path}: no playable presets")

    @staticmethod
    def _span(chunk):
        offset, size = chunk
        return offset, offset + size

    def _read_presets(self, presets, preset_bags, preset_generators, instruments,
                      instrument_bags, instrument_generators, sample_headers):
        instrument_zones = [
            _with_global(_zones(instrument_bags, instrument_generators, instruments[index]["bag"],
                                instruments[index + 1]["bag"]), _SAMPLE_ID)
            for index in range(len(instruments) - 1)]
        found = {}
        for index in range(len(presets) - 1):
            header = presets[index]
            regions = []
            for preset_zone in _with_global(_zones(preset_bags, preset_generators, header["bag"],
                                                   presets[index + 1]["bag"]), _INSTRUMENT):
                for zone in instrument_zones[preset_zone[_INSTRUMENT]]:
                    region = self._region(preset_zone, zone, sample_headers[zone[_SAMPLE_ID]])
                    if region is not None:
                        regions.append(region)
            found[(int(header["bank"]), int(header["preset"]))] = regions
        return found

    def _region(self, preset_zone, zone, header):
        keys, velocities = [(max(zone.get(kind, (0, 127))[0], preset_zone.get(kind, (0, 127))[0]),
                             min(zone.get(kind, (0, 127))[1], preset_zone.get(kind, (0, 127))[1]))
                            for kind in _RANGES]
        if keys[0] > keys[1] or velocities[0] > velocities[1]:
            return None

        def value(operator):  # instrument value (or default) plus the preset's offset
            return zone.get(operator, _DEFAULTS.get(operator, 0)) + preset_zone.get(operator, 0)

        def address(field, fine, coarse):  # the header's address moved by the zone's offsets
            return int(header[field]) + zone.get(fine, 0) + 32768 * zone.get(coarse, 0)

        start = address("start", _START, _START_COARSE)
        end = min(address("end", _END, _END_COARSE), len(self.samples) - 1)
        loop_start = address("loop_start", _LOOP_START, _LOOP_START_COARSE)
        loop_end = address("loop_end", _LOOP_END, _LOOP_END_COARSE)
        if not 0 <= start < end:
            return None
        loops = zone.get(_SAMPLE_MODES, 0) & 1 and start <= loop_start < loop_end <= end
        root = zone.get(_ROOT_KEY, -1)
        return {
            "keys": keys, "velocities": velocities, "start": start, "end": end,
            "loop": (loop_start, loop_end) if loops else None,
            "rate": int(header["rate"]) or SAMPLE_RATE,
            "root": root if root >= 0 else int(header["pitch"]),
            "tune": value(_COARSE_TUNE) + (value(_FINE_TUNE) + int(header["correction"])) / 100,
            "scale": value(_SCALE_TUNING) / 100.0,
            "gain": 10.0 ** (-0.4 * max(value(_ATTENUATION), 0) / 200.0)
            * (0.5 if int(header["type"]) & 6 else 1.0),  # left or right half of a stereo pair
            "envelope": tuple(value(operator) for operator in (
                _DELAY, _ATTACK, _HOLD, _DECAY, _SUSTAIN, _RELEASE, _KEY_TO_HOLD, _KEY_TO_DECAY)),
        }

    def regions(self, bank, preset):
        """The regions of a preset (falling back to preset 0 of the bank, then bank 0)."""
        for key in ((bank, preset), (bank, 0), (0, preset), (0, 0)):
            if key in self._presets:
                return self._presets[key]
        return next(iter(self._presets.values()))

    def note(self, region, key, velocity, seconds, sample_rate=SAMPLE_RATE):
        """One region's sound for a held key, release tail included.

        Args:
            region: one of ``regions(...)``.
            key, velocity: MIDI key and velocity (0..127).
            seconds: how long the key is held.
            sample_rate: output rate.

        Returns:
            float32 array ``(frames,)``.
        """
        delay, attack, hold, decay, sustain, release, key_to_hold, key_to_decay = \
            region["envelope"]
        delay, attack = _timecents(delay), _timecents(attack)
        hold = _timecents(hold + key_to_hold * (60 - key))
        decay = max(_timecents(decay + key_to_decay * (60 - key)), 1e-3)
        release = max(_timecents(release), 1e-3)
        sustain = float(np.clip(sustain, 0, 1440))
        tail = min(release * SILENT_CENTIBELS / 1000.0, MAX_TAIL_SECONDS)
        frames = int((seconds + tail) * sample_rate)
        level = _envelope(frames, sample_rate, seconds, delay, attack, hold, decay, sustain,
                          release)
        held = min(int(seconds * sample_rate), frames)
        if tail == MAX_TAIL_SECONDS:  # a long release is faded out within the tail
            level[held:] *= np.linspace(1.0, 0.0, frames - held, dtype=np.float32)
        # the sample, repitched
        semitones = (key - region["root"]) * region["scale"] + region["tune"]
        step = 2.0 ** (semitones / 12.0) * region["rate"] / sample_rate
        position = region["start"] + step * np.arange(frames, dtype=np.float64)
        if region["loop"] is not None:
            loop_start, loop_end = region["loop"]
            looped = position >= loop_end
            position[looped] = loop_start + np.mod(position[looped] - loop_start,
                                                   loop_end - loop_start)
        else:
            level[position >= region["end"] - 1] = 0.0
            np.minimum(position, region["end"] - 1, out=position)
        whole = position.astype(np.int64)
        fraction = (position - whole).astype(np.float32)
        wave = self.samples[whole]
        wave += (self.samples[whole + 1] - wave) * fraction
        wave *= level
        wave *= np.float32(region["gain"] * (velocity / 127.0) ** 2)
        return wave

    def clear_cache(self):
        """Forget the cached key sounds."""
        with self._lock:
            self._cache.clear()
            self._cached_bytes = 0

    def key_sound(self, bank, preset, key, velocity, seconds, sample_rate=SAMPLE_RATE):
        """The sound of one key of a preset (all its matching regions), release included.

        Recently played keys are cached (up to ``CACHE_BYTES``): melodies repeat their
        notes, so re-rendering a changed melody mostly reuses them. Do not modify the
        returned array.

        Returns:
            float32 array ``(frames,)``, empty when no region plays the key.
        """
        cache_key = (bank, preset, key, velocity, int(round(seconds * sample_rate)), sample_rate)
        with self._lock:
            sound = self._cache.get(cache_key)
            if sound is not None:
                self._cache.move_to_end(cache_key)
                return sound
        sounds = [self.note(region, key, velocity, seconds, sample_rate)
                  for region in self.regions(bank, preset)
                  if region["keys"][0] <= key <= region["keys"][1]
                  and region["velocities"][0] <= velocity <= region["velocities"][1]]
        sound = np.zeros(max((len(part) for part in sounds), default=0), np.float32)
        for part in sounds:
            sound[:len(part)] += part
        with self._lock:
            if cache_key not in self._cache:
                self._cache[cache_key] = sound
                self._cached_bytes += sound.nbytes
            while self._cached_bytes > CACHE_BYTES and len(self._cache) > 1:
                self._cached_bytes -= self._cache.popitem(last=False)[1].nbytes
        return sound

    def render(self, midi, sample_rate=SAMPLE_RATE):
        """Play a ``pretty_midi.PrettyMIDI``.

        Args:
            midi: the music; each instrument plays its program (bank 128 for drums).
            sample_rate: output rate.

        Returns:
            float32 array ``(frames,)`` in [-1, 1], release tails included.
        """
        # mixed note by note into one buffer: memory follows the output's length, not the
        # number of notes sounding at once
        end = max((note.end for track in midi.instruments for note in track.notes), default=0.0)
        output = np.zeros(int((end + MAX_TAIL_SECONDS) * sample_rate) + 1, dtype=np.float32)
        used = 0
        for track in midi.instruments:
            bank = 128 if track.is_drum else 0
            for note in track.notes:
                sound = self.key_sound(bank, track.program, note.pitch, note.velocity,
                                       max(note.end - note.start, 0.0), sample_rate)
                start = int(round(note.start * sample_rate))
                stop = start + len(sound)
                if stop > len(output):
                    output = np.concatenate([output, np.zeros(stop - len(output), np.float32)])
                output[start:stop] += sound
                used = max(used, stop)
        output = output[:used]
        output *= MASTER_GAIN
        peak = float(np.abs(output).max()) if len(output) else 0.0
        return output / peak if peak > 1.0 else output


def _envelope(frames, sample_rate, held, delay, attack, hold, decay, sustain, release):
    """The volume envelope ``(frames,)`` float32, computed once per ``BLOCK`` frames.

    Attack rises linearly; decay falls 100 dB per ``decay`` seconds (linearly in dB)
    down to ``sustain`` centibels; from ``held`` seconds on, the release falls
    100 dB per ``release`` seconds from wherever the level was.
    """
    time = np.arange(0, frames + BLOCK, BLOCK, dtype=np.float64) / sample_rate
    centibels = np.minimum(np.maximum(time - delay - attack - hold, 0.0) * 1000.0 / decay,
                           sustain)
    level = np.clip((time - delay) / max(attack, 1e-9), 0.0, 1.0) * 10.0 ** (-centibels / 200.0)
    released = time >= held
    if released.any():
        first = int(np.argmax(released))
        at_release = level[first - 1] if first else 0.0
        level[released] = at_release * 10.0 ** (-(time[released] - held) * 5.0 / release)
    return np.repeat(level.astype(np.float32), BLOCK)[:frames]


@functools.lru_cache(maxsize=4)
def load_soundfont(path):
    """A ``SoundFont``, read once per file and process."""
    return SoundFont(path)
