// libFuzzer target for the initial snapshot's COPY text parser (core/snapshot/copy_text.*):
// whatever bytes a CopyData message holds, parsing ends in a row or an error, never a crash
// or an out-of-bounds read, and every field it reports lies inside the output buffer.
//
// Input: byte 0 = expected column count (0-31), the rest = one row.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/snapshot/copy_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const size_t columns = data[0] & 31;
  std::string out = "prefix";  // fields of earlier rows may precede
  std::vector<walrelay::snapshot::CopyField> fields(1);
  std::string error;
  const bool ok = walrelay::snapshot::parse_copy_text_row(
      std::string_view(reinterpret_cast<const char *>(data + 1), size - 1), columns, out, fields,
      error);
  if (ok && fields.size() != columns + 1) std::abort();
  if (!ok && error.empty()) std::abort();
  for (size_t i = 1; i < fields.size(); ++i)
    if (fields[i].offset < 6 || size_t(fields[i].offset) + fields[i].len > out.size()) std::abort();
  return 0;
}
