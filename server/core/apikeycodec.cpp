// SPDX-License-Identifier: MIT
#include "apikeycodec.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QVarLengthArray>

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
    // Per request: the ASCII key goes to SHA-256 from a stack buffer and the digest is compared with the
    // stored hex text digit by digit, instead of a UTF-8 copy, a hex copy and a Latin-1 copy of the stored
    // hash.
    QVarLengthArray<char, 256> bytes;
    bool ascii = true;
    for (QChar c : key) {
        if (c.unicode() >= 0x80) {
            ascii = false;
            break;
        }
        bytes.append(char(c.unicode()));
    }
    const QByteArray digest = ascii ? QCryptographicHash::hash(
                                  QByteArrayView(bytes.constData(), bytes.size()), QCryptographicHash::Sha256)
                                    : QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256);
    // Length is not secret: the stored form is always 64 hex digits.
    if (storedHash.size() != 2 * digest.size())
        return false;
    static constexpr char hexDigits[] = "0123456789abcdef";
    char16_t diff = 0;
    for (qsizetype i = 0; i < digest.size(); ++i) {
        const auto byte = static_cast<unsigned char>(digest[i]);
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
