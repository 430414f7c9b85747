// SPDX-License-Identifier: MIT
#include "netlogging.h"

Q_LOGGING_CATEGORY(lcNet, "drawbridge.net", QtInfoMsg)
