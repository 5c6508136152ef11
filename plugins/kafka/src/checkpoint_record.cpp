// The checkpoint record (exactly-once mode): JSON value holding a sink's applied LSN.
#include "checkpoint_record.h"

#include <walrelay/sink.hpp>

#include <charconv>

#include "json_writer.h"

namespace walrelay::kafka {

void write_checkpoint_record(std::string &out, std::string_view sink, wr_lsn end_lsn,
                             int64_t commit_time_us) {
  JsonWriter w(out);
  w.clear();
  w.begin_object();
  w.key("sink");
  w.string(sink);
  w.key("end_lsn");
  w.number(static_cast<uint64_t>(end_lsn));
  w.key("end_lsn_text");
  w.string(sdk::format_lsn(end_lsn));
  w.key("commit_time_us");
  w.number(commit_time_us);
  w.end_object();
}

std::optional<wr_lsn> parse_checkpoint_record(std::string_view value) {
  static constexpr std::string_view kKey = "\"end_lsn\":";
  const size_t at = value.find(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  const char *begin = value.data() + at + kKey.size();
  const char *end = value.data() + value.size();
  uint64_t lsn = 0;
  auto r = std::from_chars(begin, end, lsn);
  if (r.ec != std::errc() || r.ptr == begin) return std::nullopt;
  return lsn;
}

}  // namespace walrelay::kafka
