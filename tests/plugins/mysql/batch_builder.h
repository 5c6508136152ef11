// Test helper: the shared batch builder (tests/plugins/common/batch_builder.h) in this
// suite's namespace.
#pragma once

#include "tests/plugins/common/batch_builder.h"

namespace wrmysql {
using namespace wrtest_batch;  // NOLINT(google-build-using-namespace): test helper alias
}  // namespace wrmysql
