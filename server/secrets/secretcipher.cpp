// SPDX-License-Identifier: MIT
#include "secretcipher.h"

#include <QCryptographicHash>
#include <QList>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

namespace Drawbridge {

namespace {

constexpr int nonceBytes = 12;
constexpr int tagBytes = 16;
const QByteArray version = QByteArrayLiteral("v1");

struct CtxFree
{
    void operator()(EVP_CIPHER_CTX *ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

Result<QByteArray> keyFromHex(const QString &hex, const char *what)
{
    const QString trimmed = hex.trimmed();
    bool hexOnly = trimmed.size() == SecretCipher::keyBytes * 2;
    for (const QChar c : trimmed)
        hexOnly = hexOnly && c.isLetterOrNumber() && QStringLiteral("0123456789abcdefABCDEF").contains(c);
    if (!hexOnly)
        return Error { QStringLiteral("%1 must be 64 hex digits (32 bytes)").arg(QLatin1String(what)) };
    return QByteArray::fromHex(trimmed.toLatin1());
}

} // namespace

Result<SecretCipher> SecretCipher::fromHex(const QString &currentHex, const QString &previousHex)
{
    auto current = keyFromHex(currentHex, "DRAWBRIDGE_SECRET_KEY");
    if (!current)
        return Error { current.error() };
    SecretCipher cipher;
    cipher.m_current = *current;
    cipher.m_currentId = idOf(cipher.m_current);
    if (!previousHex.trimmed().isEmpty()) {
        auto previous = keyFromHex(previousHex, "DRAWBRIDGE_SECRET_KEY_PREVIOUS");
        if (!previous)
            return Error { previous.error() };
        if (*previous != cipher.m_current) {
            cipher.m_previous = *previous;
            cipher.m_previousId = idOf(cipher.m_previous);
        }
    }
    return cipher;
}

QString SecretCipher::generateKeyHex()
{
    QByteArray key(keyBytes, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(key.data()), keyBytes) != 1)
        qFatal("SecretCipher: the system's random number generator failed");
    return QString::fromLatin1(key.toHex());
}

QByteArray SecretCipher::idOf(const QByteArray &key)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QByteArrayLiteral("drawbridge-secret-key-id"));
    hash.addData(key);
    return hash.result().toHex().left(16);
}

QByteArray SecretCipher::seal(const QString &name, const QByteArray &plain) const
{
    const QByteArray aad = name.toUtf8();
    QByteArray out(nonceBytes + plain.size() + tagBytes, Qt::Uninitialized);
    auto *bytes = reinterpret_cast<unsigned char *>(out.data());
    // A nonce must never repeat under one key; 96 random bits make a repeat negligible for the few secrets
    // (and rewrites) a team ever stores.
    if (RAND_bytes(bytes, nonceBytes) != 1)
        qFatal("SecretCipher: the system's random number generator failed");
    Ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    int total = 0;
    const bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonceBytes, nullptr) == 1
        && EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr,
                              reinterpret_cast<const unsigned char *>(m_current.constData()), bytes)
            == 1
        && EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                             reinterpret_cast<const unsigned char *>(aad.constData()), int(aad.size()))
            == 1
        && EVP_EncryptUpdate(ctx.get(), bytes + nonceBytes, &len,
                             reinterpret_cast<const unsigned char *>(plain.constData()), int(plain.size()))
            == 1
        && (total = len, EVP_EncryptFinal_ex(ctx.get(), bytes + nonceBytes + total, &len) == 1)
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tagBytes, bytes + nonceBytes + total + len)
            == 1;
    if (!ok)
        qFatal("SecretCipher: OpenSSL AES-256-GCM encryption failed");
    return version + '.' + m_currentId + '.'
        + out.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

Result<QByteArray> SecretCipher::open(const QString &name, const QByteArray &sealed) const
{
    const QList<QByteArray> parts = sealed.split('.');
    if (parts.size() != 3 || parts[0] != version)
        return Error { QStringLiteral("secret %1 is not a sealed value this Drawbridge knows").arg(name) };
    QByteArray key;
    if (parts[1] == m_currentId)
        key = m_current;
    else if (!m_previous.isEmpty() && parts[1] == m_previousId)
        key = m_previous;
    else
        return Error {
            QStringLiteral("secret %1 was sealed with another key (id %2) than DRAWBRIDGE_SECRET_KEY "
                           "(id %3)")
                .arg(name, QString::fromLatin1(parts[1].left(16)), QString::fromLatin1(m_currentId))
        };
    const auto decoded = QByteArray::fromBase64Encoding(
        parts[2], QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() < nonceBytes + tagBytes)
        return Error { QStringLiteral("secret %1 is not a sealed value this Drawbridge knows").arg(name) };
    const QByteArray &raw = decoded.decoded;
    const QByteArray aad = name.toUtf8();
    const auto *bytes = reinterpret_cast<const unsigned char *>(raw.constData());
    const int cipherLen = int(raw.size()) - nonceBytes - tagBytes;
    QByteArray plain(cipherLen, Qt::Uninitialized);
    QByteArray tag = raw.right(tagBytes);
    Ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    const bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonceBytes, nullptr) == 1
        && EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr,
                              reinterpret_cast<const unsigned char *>(key.constData()), bytes)
            == 1
        && EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                             reinterpret_cast<const unsigned char *>(aad.constData()), int(aad.size()))
            == 1
        && EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char *>(plain.data()), &len,
                             bytes + nonceBytes, cipherLen)
            == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tagBytes, tag.data()) == 1
        && EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char *>(plain.data()) + len, &len) == 1;
    if (!ok)
        return Error { QStringLiteral(
                           "secret %1 failed authentication (tampered with, or stored under another "
                           "name)")
                           .arg(name) };
    return plain;
}

bool SecretCipher::isCurrent(const QByteArray &sealed) const
{
    const QList<QByteArray> parts = sealed.split('.');
    return parts.size() == 3 && parts[0] == version && parts[1] == m_currentId;
}

} // namespace Drawbridge
