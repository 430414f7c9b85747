// SPDX-License-Identifier: MIT
#include "apikeycodec.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

#include <openssl/evp.h>

#include <array>
#include <memory>

namespace Drawbridge {

namespace {

constexpr char base32[] = "abcdefghijklmnopqrstuvwxyz234567";
constexpr char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

QString randomString(const char *alphabet, quint32 alphabetSize, int length)
{
    // Rejection sampling keeps every character uniformly likely.
    const quint32 limit = 256 - (256 % alphabetSize);
    QString out;
    out.reserve(length);
    QRandomGenerator *rng = QRandomGenerator::system();
    while (out.size() < length) {
        const quint32 word = rng->generate();
        for (int shift = 0; shift < 32 && out.size() < length; shift += 8) {
            const quint32 byte = (word >> shift) & 0xff;
            if (byte < limit)
                out.append(QLatin1Char(alphabet[byte % alphabetSize]));
        }
    }
    return out;
}

using Digest = std::array<unsigned char, 32>;

/**
 * SHA-256 of @p data. OpenSSL's, through a digest fetched once and a context kept per thread: the same digest
 * as QCryptographicHash's (tst_apikeycodec compares them on random inputs), at half its instructions under
 * callgrind, and with the CPU's SHA extensions where it has them. A per-call EVP_Digest() would fetch the
 * algorithm each time and cost as much as Qt's; if OpenSSL fails, Qt's is the answer.
 */
Digest sha256(const char *data, qsizetype size)
{
    Digest out {};
    static EVP_MD *const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                                   &EVP_MD_CTX_free);
    unsigned int length = 0;
    if (md && ctx && EVP_DigestInit_ex2(ctx.get(), md, nullptr) == 1
        && EVP_DigestUpdate(ctx.get(), data, size_t(size)) == 1
        && EVP_DigestFinal_ex(ctx.get(), out.data(), &length) == 1 && length == out.size())
        return out;
    const QByteArray qt = QCryptographicHash::hash(QByteArrayView(data, size), QCryptographicHash::Sha256);
    std::copy(qt.cbegin(), qt.cend(), out.begin());
    return out;
}

bool isBase32(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'2' && c <= u'7');
}

bool isBase62(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9');
}

} // namespace

ApiKeyCodec::Generated ApiKeyCodec::generate()
{
    Generated g;
    g.id = randomString(base32, 32, idLength);
    g.key = QStringLiteral("db-") + g.id + u'-' + randomString(base62, 62, secretLength);
    g.hash = hash(g.key);
    return g;
}

std::optional<QString> ApiKeyCodec::parseId(QStringView key)
{
    // db- + id + - + at least 32 secret characters
    if (key.size() < 3 + idLength + 1 + 32 || key.size() > 256 || !key.startsWith(u"db-")
        || key[3 + idLength] != u'-')
        return std::nullopt;
    const QStringView id = key.mid(3, idLength);
    for (QChar c : id) {
        if (!isBase32(c))
            return std::nullopt;
    }
    for (QChar c : key.mid(3 + idLength + 1)) {
        if (!isBase62(c))
            return std::nullopt;
    }
    return id.toString();
}

QByteArray ApiKeyCodec::hash(QStringView key)
{
    return QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256).toHex();
}

bool ApiKeyCodec::constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // Length is not secret here (both sides are fixed-size digests or the configured token).
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

bool ApiKeyCodec::hashMatches(QStringView key, QStringView storedHash)
{
    // Per request: a key of ASCII (every well-formed one) goes to SHA-256 from a stack buffer and the digest
    // is compared with the stored hex text digit by digit, instead of a UTF-8 copy, a hex copy and a Latin-1
    // copy of the stored hash.
    char bytes[256];
    char16_t wide = 0;
    Digest digest;
    if (key.size() <= qsizetype(sizeof bytes)) {
        for (qsizetype i = 0; i < key.size(); ++i) {
            const char16_t c = key[i].unicode();
            wide |= c;
            bytes[i] = char(c);
        }
    }
    if (key.size() <= qsizetype(sizeof bytes) && wide < 0x80) {
        digest = sha256(bytes, key.size());
    } else {
        const QByteArray utf8 = key.toUtf8();
        digest = sha256(utf8.constData(), utf8.size());
    }
    // Length is not secret: the stored form is always 64 hex digits.
    if (storedHash.size() != 2 * qsizetype(digest.size()))
        return false;
    static constexpr char hexDigits[] = "0123456789abcdef";
    char16_t diff = 0;
    for (qsizetype i = 0; i < qsizetype(digest.size()); ++i) {
        const unsigned char byte = digest[size_t(i)];
        diff |= char16_t(storedHash[2 * i].unicode() ^ char16_t(hexDigits[byte >> 4]));
        diff |= char16_t(storedHash[2 * i + 1].unicode() ^ char16_t(hexDigits[byte & 0xf]));
    }
    return diff == 0;
}

QString ApiKeyCodec::generateAdminToken()
{
    return QStringLiteral("dba-") + randomString(base62, 62, 48);
}

} // namespace Drawbridge
