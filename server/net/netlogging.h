// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

// drawbridge.net: connection lifecycle of the upstream HTTP client (opens, reuse, retries, closes).
Q_DECLARE_LOGGING_CATEGORY(lcNet)
