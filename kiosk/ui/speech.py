"""Read-aloud: screen prompts spoken through QtTextToSpeech in the session's language.

On Debian the engine is speech-dispatcher (Qt's "speechd" plugin needs libspeechd2; the
voices come from espeak-ng through speech-dispatcher-espeak-ng, all installed by
installer/bootstrap.sh). Qt does not map espeak-ng's Mandarin ("cmn") to a Chinese locale,
so for Chinese the voice is looked up by name among the voices Qt files under the C locale.
Each finished utterance is logged (language and voice, never the text: a prompt can hold
a resident's name), so a technician can see that the kiosk really speaks.
"""

from __future__ import annotations

import logging
from typing import Any

from PyQt6.QtCore import QLocale

log = logging.getLogger(__name__)

#: The locale asked for first, then voice-name prefixes tried under any locale.
VOICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "zh": ("zh_CN", ("Chinese (Mandarin, latin as English)", "Chinese (Mandarin")),
    "en": ("en_US", ("English (America)", "English (Great Britain)", "English")),
}


class ReadAloud:
    """One QTextToSpeech engine; :meth:`say` picks the voice for the language."""

    def __init__(self, speech: Any) -> None:
        from PyQt6.QtTextToSpeech import QTextToSpeech
        self._tts = speech
        self._ready = QTextToSpeech.State.Ready
        self._speaking = QTextToSpeech.State.Speaking
        self._error = QTextToSpeech.State.Error
        self._lang = ""
        self._voices: dict[str, Any] = {}
        self.finished = 0
        self._was_speaking = False
        speech.stateChanged.connect(self._state_changed)

    @classmethod
    def create(cls, engine: str | None) -> ReadAloud | None:
        """The engine (``mock`` in tests, the platform default otherwise), or None with a
        warning when none can be loaded: read-aloud is then text only."""
        try:
            from PyQt6.QtTextToSpeech import QTextToSpeech
        except ImportError:
            log.warning("QtTextToSpeech not available: read-aloud is text only")
            return None
        speech = QTextToSpeech(engine) if engine else QTextToSpeech()
        if speech.state() == QTextToSpeech.State.Error:
            log.warning("text-to-speech engine %s failed to start (%s): read-aloud is text "
                        "only", engine or "default", speech.errorString())
            return None
        log.info("text-to-speech engine %s ready", speech.engine())
        return cls(speech)

    @property
    def engine(self) -> str:
        return str(self._tts.engine())

    def say(self, text: str, lang: str) -> None:
        if lang != self._lang:
            self._use_language(lang)
        self._tts.say(text)

    def stop(self) -> None:
        self._tts.stop()

    def _use_language(self, lang: str) -> None:
        self._lang = lang
        if lang not in self._voices:
            self._voices[lang] = self._find_voice(lang)
        voice = self._voices[lang]
        if voice is not None:
            self._tts.setVoice(voice)
            log.info("read-aloud voice for %s: %s", lang, voice.name())
        else:
            log.warning("no %s voice in engine %s: prompts keep the current voice", lang,
                        self.engine)

    def _find_voice(self, lang: str) -> Any:
        """The first voice named by a prefix (base voices, not espeak-ng's "+variant"s),
        looked for under the language's locale, then under the C locale where Qt files
        the voices it cannot map; else the locale's first voice."""
        wanted, prefixes = VOICES.get(lang, (lang, ()))
        locale = QLocale(wanted)
        has_locale = any(loc.name() == locale.name() for loc in self._tts.availableLocales())
        fallback = None
        for candidate in ((locale,) if has_locale else ()) + (QLocale.c(),):
            self._tts.setLocale(candidate)
            voices = list(self._tts.availableVoices())
            for prefix in prefixes:
                for voice in voices:
                    if voice.name().startswith(prefix) and "+" not in voice.name():
                        return voice
            if fallback is None and voices and candidate is locale:
                fallback = voices[0]
        return fallback

    def _state_changed(self, state: Any) -> None:
        from PyQt6 import sip
        if sip.isdeleted(self._tts):  # the last utterance ended as the app shut down
            return
        if state == self._error:
            self._was_speaking = False
            log.warning("read-aloud failed in engine %s: %s", self.engine,
                        self._tts.errorString())
        elif state == self._speaking:
            self._was_speaking = True
        elif state == self._ready and self._was_speaking:
            self._was_speaking = False
            self.finished += 1
            log.info("read-aloud: utterance spoken (engine %s, language %s, voice %s)",
                     self.engine, self._lang, self._tts.voice().name())
