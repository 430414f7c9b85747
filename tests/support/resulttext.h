// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include "server/core/result.h"

namespace Drawbridge::Test {

/**
 * The error of @p result as a C string for QVERIFY2 messages, or "" when it succeeded. QVERIFY2 evaluates its
 * message even when the check passes, and Result::error() must not be called on a success.
 */
template<typename T> QByteArray resultText(const Result<T> &result)
{
    return result.ok() ? QByteArray() : result.error().toLocal8Bit();
}

} // namespace Drawbridge::Test

/** QVERIFY that a Result succeeded, printing its error otherwise. */
#define DRAWBRIDGE_VERIFY_OK(result)                                                                         \
    do {                                                                                                     \
        const auto &drawbridgeResult_ = (result);                                                            \
        QVERIFY2(drawbridgeResult_.ok(), ::Drawbridge::Test::resultText(drawbridgeResult_).constData());     \
    } while (false)
