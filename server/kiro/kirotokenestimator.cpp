// SPDX-License-Identifier: MIT
#include "kirotokenestimator.h"

#include <cmath>

namespace Drawbridge {

qint64 KiroTokenEstimator::units(QStringView text)
{
    qint64 total = 0;
    for (const QChar c : text) {
        // Latin scripts (Basic Latin up to Latin Extended-B) tokenize at about four characters per token;
        // CJK and most other scripts at about one. Surrogate halves each count, which is close enough.
        total += c.unicode() < 0x0250 ? 1 : 4;
    }
    return total;
}

int KiroTokenEstimator::tokensFromUnits(qint64 units)
{
    if (units <= 0)
        return 0;
    const double base = double(units) / 4.0;
    double factor = 1.0;
    if (base < 100)
        factor = 1.5;
    else if (base < 200)
        factor = 1.3;
    else if (base < 300)
        factor = 1.25;
    else if (base < 800)
        factor = 1.2;
    return int(std::ceil(base * factor));
}

} // namespace Drawbridge
