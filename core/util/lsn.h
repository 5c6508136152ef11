// LSN (XLogRecPtr) text form: PostgreSQL prints it as two 32-bit hex halves "X/Y".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace walrelay {

using Lsn = uint64_t;

/// "16/B374D848" for 0x16B374D848.
std::string format_lsn(Lsn lsn);

/// Parses "X/Y" (hex, each half at most 8 digits); nullopt on anything else.
std::optional<Lsn> parse_lsn(std::string_view text);

}  // namespace walrelay
