// SPDX-License-Identifier: MIT
#include "desktopservices.h"

namespace Drawbridge {

DesktopServices::~DesktopServices() = default;

} // namespace Drawbridge
