"""Audio files a script plays, checked as the platform needs them: RIFF/WAVE PCM, mono, 8 or 16 kHz.

Only the head of a file is fetched (through the same guarded fetcher as scripts): the ``wave`` module reads the
format from the header chunks alone, so a long hold-music file costs no more than a short prompt.
"""

from __future__ import annotations

import io
import struct
import wave

# The SDK's Playback: "The file format must be .wav, sample frequency 8000Hz, 1 channel (mono)"; wideband
# telephony (G.722) plays 16 kHz, so both rates pass.
TELEPHONY_RATES = (8000, 16000)
# Enough for the RIFF header, the fmt chunk and any usual metadata chunks before the data chunk starts.
HEAD_BYTES = 64 * 1024


def wav_problems(head: bytes) -> list[str]:
    """What makes ``head`` (a file's first bytes) unplayable on the platform; empty when it is a fitting WAV."""
    try:
        with wave.open(io.BytesIO(head)) as audio:
            channels, rate = audio.getnchannels(), audio.getframerate()
    except (wave.Error, EOFError, struct.error, ValueError) as error:
        # wave reads PCM only: a compressed or float WAV is "unknown format", a header cut short an EOFError.
        reason = str(error) or "the header ends early"
        return [f"not a RIFF/WAVE PCM file ({reason}); the platform plays WAV PCM, mono, 8000 Hz"]
    problems = []
    if channels != 1:
        problems.append(f"{channels} channels; the platform plays mono")
    if rate not in TELEPHONY_RATES:
        problems.append(f"{rate} Hz; the platform plays 8000 Hz (or 16000 Hz wideband)")
    return problems
