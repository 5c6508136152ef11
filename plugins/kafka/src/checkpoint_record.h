// The checkpoint record (exactly-once mode): JSON value holding a sink's applied LSN.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace walrelay::kafka {

/// Writes into `out` (replaced):
/// {"sink":"<name>","end_lsn":<n>,"end_lsn_text":"X/Y","commit_time_us":<n>}.
void write_checkpoint_record(std::string &out, std::string_view sink, wr_lsn end_lsn,
                             int64_t commit_time_us);

/// The end_lsn of a record written by write_checkpoint_record; nullopt when the value
/// holds no "end_lsn" number.
std::optional<wr_lsn> parse_checkpoint_record(std::string_view value);

}  // namespace walrelay::kafka
