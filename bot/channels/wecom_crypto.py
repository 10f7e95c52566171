"""WeCom callback crypto and XML: verify, decrypt (failing closed) and read callbacks, with wechatpy underneath.

The key is the base64 of the 43-character EncodingAESKey plus "=", AES-256-CBC with the key's first 16 bytes as IV,
PKCS#7 padding to 32 bytes, and the plaintext is 16 random bytes + a 4-byte big-endian length + the XML + the
receiver (our corp id). The signature is the SHA1 of the sorted token, timestamp, nonce and ciphertext.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from typing import Any
from xml.etree import ElementTree

from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException

from bot.settings import SettingsError, WecomSettings

MAX_CALLBACK_BYTES = 256 * 1024  # a callback is a few hundred bytes; anything this big is not WeCom
BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16


class Forged(Exception):
    """A callback that is not signed with our token (or carries nothing to check): answer 403, store nothing."""


class Unreadable(Exception):
    """A callback signed with our token that still cannot be opened (wrong corp id, bad padding, broken XML).

    `payload` is what is safe to keep in quarantine: the encrypted envelope and the query, never guessed plaintext.
    """

    def __init__(self, reason: str, payload: dict[str, Any]) -> None:
        super().__init__(reason)
        self.payload = payload



# ---------------------------------------------------------------- XML


def _refuse_doctype(text: str) -> None:
    # no DTDs, so no entity expansion of any kind; WeCom never sends one
    if re.search(r"<!\s*(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise ValueError("XML with a DOCTYPE or ENTITY")


def _element_value(elem: ElementTree.Element) -> Any:
    children = list(elem)
    if not children:
        return elem.text or ""
    out: dict[str, Any] = {}
    for child in children:
        value = _element_value(child)
        if child.tag in out:  # repeated tags (an event's item lists) become a list
            prev = out[child.tag]
            out[child.tag] = (prev if isinstance(prev, list) else [prev]) + [value]
        else:
            out[child.tag] = value
    return out


def parse_xml(text: str) -> dict[str, Any]:
    """A WeCom <xml>...</xml> document as a dict of its fields (nested elements as dicts); ValueError if not."""
    _refuse_doctype(text)
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from None
    value = _element_value(root)
    if not isinstance(value, dict):
        raise ValueError("an XML document without fields")
    return value


# ---------------------------------------------------------------- callback crypto


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the ciphertext is not base64") from None


def _unpack(plain: bytes, corp_id: str) -> str:
    """The XML inside a decrypted WeCom block, after checking the padding, the length and the receiver."""
    pad = plain[-1] if plain else 0
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise ValueError("bad PKCS#7 padding")
    content = plain[16:-pad]  # 16 random bytes first
    if len(content) < 4:
        raise ValueError("too short to hold a message")
    (length,) = struct.unpack(">I", content[:4])
    if 4 + length > len(content):
        raise ValueError("the length field runs past the message")
    receiver = content[4 + length:]
    if not hmac.compare_digest(receiver, corp_id.encode()):
        raise InvalidCorpIdException()
    try:
        return content[4:4 + length].decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the message is not UTF-8") from None


class _StrictPrpCrypto(PrpCrypto):
    """wechatpy's cipher with a decrypt that fails closed: exact padding, length and corp id, or ValueError."""

    def decrypt(self, text: str, corp_id: str) -> str:
        """The XML, or InvalidCorpIdException / ValueError."""
        raw = _b64decode(text)
        if not raw or len(raw) % BLOCK:
            raise ValueError(f"the ciphertext is not whole {BLOCK}-byte blocks")
        return _unpack(self.cipher.decrypt(raw), corp_id)


class _StrictWeChatCrypto(WeChatCrypto):
    def check_signature(self, signature: str, timestamp: str, nonce: str, echo_str: str) -> str:
        """The decrypted echostr (signature checked by wechatpy, decryption strict)."""
        return self._check_signature(signature, timestamp, nonce, echo_str, _StrictPrpCrypto)

    def decrypt_message(self, msg: Any, signature: str, timestamp: str, nonce: str) -> str:
        """The decrypted XML (signature checked by wechatpy, decryption strict)."""
        return self._decrypt_message(msg, signature, timestamp, nonce, _StrictPrpCrypto)


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """WeCom's msg_signature: SHA1 over the sorted token, timestamp, nonce and ciphertext."""
    return hashlib.sha1("".join(sorted((token, timestamp, nonce, encrypted))).encode()).hexdigest()


def check_aes_key(aes_key: str) -> bytes:
    """The 32-byte AES key of a 43-character EncodingAESKey; ValueError when it is not one."""
    if not re.fullmatch(r"[A-Za-z0-9+/]{43}", aes_key or ""):
        raise ValueError("the EncodingAESKey must be 43 letters and digits")
    key = base64.b64decode(aes_key + "=")
    if len(key) != 32:  # pragma: no cover - 43 base64 characters always make 32 bytes
        raise ValueError("the EncodingAESKey does not decode to 32 bytes")
    return key


class CallbackCrypto:
    """Checks and opens WeCom callbacks: URL verification (GET) and encrypted messages (POST)."""

    def __init__(self, token: str, aes_key: str, corp_id: str) -> None:
        check_aes_key(aes_key)
        self.token, self.corp_id = token, corp_id
        self._crypto = _StrictWeChatCrypto(token, aes_key, corp_id)

    def _signed(self, sig: str | None, timestamp: str | None, nonce: str | None, encrypted: str) -> None:
        if not (sig and timestamp and nonce and encrypted and self.token):
            raise Forged("unsigned")
        # constant-time here; wechatpy checks again with its own signer
        expected = signature(self.token, timestamp, nonce, encrypted).encode()
        if not hmac.compare_digest(expected, sig.lower().encode("utf-8", "replace")):
            raise Forged("wrong signature")

    def verify_url(self, sig: str | None, timestamp: str | None, nonce: str | None, echostr: str | None) -> str:
        """The plaintext echostr to answer a URL verification with; Forged or Unreadable otherwise."""
        echostr = (echostr or "").replace(" ", "+")  # a '+' that arrived unencoded in the query reads as a space
        self._signed(sig, timestamp, nonce, echostr)
        try:
            return self._crypto.check_signature(sig.lower(), timestamp, nonce, echostr)
        except InvalidSignatureException:  # pragma: no cover - checked above
            raise Forged("wrong signature") from None
        except InvalidCorpIdException:
            raise Unreadable("echostr is for another corp id", {}) from None
        except ValueError as exc:
            raise Unreadable(f"echostr cannot be decrypted: {exc}", {}) from None

    def open(self, body: bytes, sig: str | None, timestamp: str | None, nonce: str | None) -> dict[str, Any]:
        """The decrypted fields of a message callback; Forged (403) or Unreadable (quarantine) otherwise."""
        try:
            envelope = parse_xml(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise Forged("not a WeCom callback envelope") from None
        encrypted = envelope.get("Encrypt")
        if not isinstance(encrypted, str) or not encrypted:
            raise Forged("no Encrypt in the envelope")
        self._signed(sig, timestamp, nonce, encrypted)
        kept = {"query": {"msg_signature": sig, "timestamp": timestamp, "nonce": nonce},
                "envelope": {k: v for k, v in envelope.items() if isinstance(v, str)}}
        try:
            xml = self._crypto.decrypt_message({"Encrypt": encrypted}, sig.lower(), timestamp, nonce)
        except InvalidSignatureException:  # pragma: no cover - checked above
            raise Forged("wrong signature") from None
        except InvalidCorpIdException:
            raise Unreadable(f"decrypted for another corp id than [wecom] corp_id {self.corp_id!r}", kept) from None
        except ValueError as exc:
            raise Unreadable(f"cannot be decrypted (check [wecom] aes_key): {exc}", kept) from None
        try:
            return parse_xml(xml)
        except ValueError as exc:
            raise Unreadable(f"decrypted, but {exc}", kept) from None


def callback_crypto(settings: WecomSettings) -> CallbackCrypto:
    """The callback crypto of the app's settings; SettingsError when the EncodingAESKey is not one."""
    try:
        return CallbackCrypto(settings.token, settings.aes_key, settings.corp_id)
    except ValueError as exc:
        raise SettingsError(f"[wecom] aes_key: {exc}") from None
