"""WeCom's callback crypto: the official vectors, callbacks sealed independently of wechatpy, and failing closed."""
from __future__ import annotations

import base64
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

from bot.channels import wecom
from bot.settings import SettingsError, WecomSettings
from tests.channels.wecom.fake_wecom_api import (
    PAYLOADS,
    AppKeys,
    aes_cbc,
    envelope,
    load_json,
    load_message,
    message_callback,
    message_xml,
    msg_signature,
    pkcs7_32,
    seal,
)
from tests.channels.wecom.harness import AGENT_ID, KEYS

OFFICIAL = load_json("official_vectors.json")
OFFICIAL_KEYS = AppKeys(OFFICIAL["token"], OFFICIAL["encoding_aes_key"], OFFICIAL["corp_id"])


def crypto(keys: AppKeys = KEYS) -> wecom.CallbackCrypto:
    return wecom.CallbackCrypto(keys.token, keys.aes_key, keys.corp_id)


def query_of(text: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(text))


def open_callback(cb, keys: AppKeys = KEYS) -> dict:
    return crypto(keys).open(cb.body, cb.params["msg_signature"], cb.params["timestamp"], cb.params["nonce"])


# ---------------------------------------------------------------- the published vectors


def test_the_official_url_verification_vector_decrypts_to_its_echostr() -> None:
    q = query_of(OFFICIAL["verify_url"]["query"])

    echo = crypto(OFFICIAL_KEYS).verify_url(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"])

    assert echo == OFFICIAL["verify_url"]["echostr_plain"]


def test_the_official_message_vector_opens_to_its_fields() -> None:
    q = query_of(OFFICIAL["message"]["query"])
    body = (PAYLOADS / OFFICIAL["message"]["body_file"]).read_bytes()

    fields = crypto(OFFICIAL_KEYS).open(body, q["msg_signature"], q["timestamp"], q["nonce"])

    assert fields == OFFICIAL["message"]["plain"]


def test_the_test_side_cipher_reads_the_official_vector_the_way_the_documentation_describes_it() -> None:
    # the tests seal callbacks with their own AES code; check that code against Tencent's own ciphertext first
    q = query_of(OFFICIAL["message"]["query"])
    body = (PAYLOADS / OFFICIAL["message"]["body_file"]).read_text()
    encrypted = body.split("<![CDATA[")[-1].split("]]>")[0]
    assert msg_signature(OFFICIAL["token"], q["timestamp"], q["nonce"], encrypted) == q["msg_signature"]

    key = OFFICIAL_KEYS.key
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(base64.b64decode(encrypted)) + dec.finalize()
    pad = plain[-1]
    assert len(plain) % 32 == 0 and 1 <= pad <= 32 and plain[-pad:] == bytes([pad]) * pad
    (length,) = struct.unpack(">I", plain[16:20])
    xml, receiver = plain[20:20 + length], plain[20 + length:-pad]
    assert receiver == OFFICIAL["corp_id"].encode()
    assert b"<Content><![CDATA[hello]]></Content>" in xml


# ---------------------------------------------------------------- sealed here, opened by the product


def test_a_callback_sealed_with_plain_aes_and_sha1_opens_to_the_same_fields() -> None:
    fields = load_message("msg_text", ToUserName=KEYS.corp_id, FromUserName="li.qiang", Content="PO-1001 红锅 ]]> ok")

    opened = open_callback(message_callback(KEYS, fields, AGENT_ID))

    assert opened == fields


def test_a_message_sealed_by_wechatpys_own_encrypt_message_is_accepted_too() -> None:
    fields = load_message("msg_text", ToUserName=KEYS.corp_id, FromUserName="li.qiang")
    sealed = WeChatCrypto(KEYS.token, KEYS.aes_key, KEYS.corp_id).encrypt_message(message_xml(fields), "4242",
                                                                                     "1780970400")
    sig = sealed.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]

    opened = crypto().open(sealed.encode(), sig, "1780970400", "4242")

    assert opened == fields


def test_the_test_side_seal_is_what_wechatpy_decrypts() -> None:
    xml = message_xml(load_message("msg_image", ToUserName=KEYS.corp_id))

    assert PrpCrypto(KEYS.key).decrypt(seal(KEYS, xml), KEYS.corp_id) == xml


# ---------------------------------------------------------------- failing closed


def fields() -> dict:
    return load_message("msg_text", ToUserName=KEYS.corp_id, FromUserName="li.qiang")


def signed(encrypted: str):
    return message_callback(KEYS, fields(), AGENT_ID, encrypted=encrypted)


def raw_block(body: bytes) -> str:
    """A ciphertext of exactly these bytes (already a multiple of 32), no padding added."""
    return base64.b64encode(aes_cbc(KEYS.key, body)).decode()


def inner(receiver: bytes = KEYS.corp_id.encode(), length_delta: int = 0) -> bytes:
    xml = message_xml(fields()).encode()
    return b"r" * 16 + struct.pack(">I", len(xml) + length_delta) + xml + receiver


def disagreeing_padding() -> bytes:
    """The right message and corp id, then padding whose last byte counts right but whose other bytes are not it."""
    body = inner()
    n = -len(body) % 32 or 32
    n += 32 if n < 2 else 0
    return body + b"\x00" * (n - 1) + bytes([n])


BAD_CIPHERTEXTS = {
    "a zero padding byte": lambda: raw_block(pkcs7_32(inner())[:-1] + b"\x00"),
    "a padding byte over 32": lambda: raw_block(pkcs7_32(inner())[:-1] + b"\x21"),
    "padding bytes that disagree": lambda: raw_block(disagreeing_padding()),
    "a cut-off block": lambda: base64.b64encode(base64.b64decode(seal(KEYS, message_xml(fields())))[:-16]).decode(),
    "a length field running past the message": lambda: raw_block(pkcs7_32(inner(length_delta=400))),
    "another EncodingAESKey": lambda: seal(AppKeys(KEYS.token, "A" * 43, KEYS.corp_id), message_xml(fields())),
    "no base64 at all": lambda: "this is %% not base64",
}


@pytest.mark.parametrize("what", sorted(BAD_CIPHERTEXTS))
def test_a_signed_callback_that_does_not_decrypt_cleanly_is_unreadable_not_a_message(what: str) -> None:
    cb = signed(BAD_CIPHERTEXTS[what]())

    with pytest.raises(wecom.Unreadable) as err:
        open_callback(cb)

    assert err.value.payload["envelope"]["Encrypt"] == cb.body.decode().split("<![CDATA[")[-1].split("]]>")[0]


def test_padding_is_checked_byte_by_byte_where_wechatpy_alone_would_only_read_the_last_byte() -> None:
    encrypted = raw_block(disagreeing_padding())

    assert PrpCrypto(KEYS.key).decrypt(encrypted, KEYS.corp_id) == message_xml(fields())  # lax on its own
    with pytest.raises(wecom.Unreadable, match="padding"):
        open_callback(signed(encrypted))


def test_a_message_sealed_for_another_corp_id_is_unreadable() -> None:
    cb = message_callback(KEYS, fields(), AGENT_ID, encrypted=seal(KEYS, message_xml(fields()), receiver="wwOTHER"))

    with pytest.raises(wecom.Unreadable, match="another corp id"):
        open_callback(cb)


@pytest.mark.parametrize("how", ["another token", "a tampered ciphertext", "no signature", "no timestamp",
                                 "a signature that is not hex"])
def test_a_callback_without_our_signature_is_forged(how: str) -> None:
    cb = message_callback(KEYS, fields(), AGENT_ID)
    if how == "another token":
        cb = message_callback(AppKeys("someone-else", KEYS.aes_key, KEYS.corp_id), fields(), AGENT_ID)
    elif how == "a tampered ciphertext":
        enc = seal(KEYS, message_xml(fields()))
        cb.body = envelope(enc, KEYS.corp_id, AGENT_ID)
    elif how == "no signature":
        cb.params.pop("msg_signature")
    elif how == "no timestamp":
        cb.params.pop("timestamp")
    else:
        cb.params["msg_signature"] = "签名" * 20

    with pytest.raises(wecom.Forged):
        crypto().open(cb.body, cb.params.get("msg_signature"), cb.params.get("timestamp"), cb.params.get("nonce"))


@pytest.mark.parametrize("body", [b"", b"not xml", b"<xml><ToUserName>x</ToUserName></xml>",
                                  b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>'])
def test_a_body_that_is_not_a_wecom_envelope_is_forged(body: bytes) -> None:
    with pytest.raises(wecom.Forged):
        crypto().open(body, "0" * 40, "1780970400", "1")


def test_a_url_verification_with_a_wrong_signature_is_forged() -> None:
    q = query_of(OFFICIAL["verify_url"]["query"])

    with pytest.raises(wecom.Forged):
        crypto(OFFICIAL_KEYS).verify_url("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4", q["timestamp"], q["nonce"],
                                         q["echostr"])


@pytest.mark.parametrize("aes_key", ["", "short", "é" * 43, "A" * 44])
def test_an_encoding_aes_key_that_is_not_43_characters_is_a_settings_error(aes_key: str) -> None:
    settings = WecomSettings(corp_id=KEYS.corp_id, token=KEYS.token, aes_key=aes_key, secret="s")

    with pytest.raises(SettingsError, match=r"\[wecom\] aes_key"):
        wecom.callback_crypto(settings)
