// Spool size and time lag, read-only.
#include "core/ops/spool_stats.h"

#include <filesystem>

#include "core/spool/journal.h"
#include "core/spool/spool.h"

namespace walrelay::ops {

namespace fs = std::filesystem;

SpoolUsage spool_usage(const std::string &dir) {
  SpoolUsage u;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return u;
  u.exists = true;
  for (auto it =
           fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (!it->is_regular_file(fec) || fec) continue;
    const uint64_t n = it->file_size(fec);
    if (fec) continue;  // removed meanwhile (the daemon collects consumed segments)
    u.bytes += n;
    ++u.files;
  }
  return u;
}

SpoolLag spool_lag(const std::string &dir, uint64_t applied_lsn) {
  SpoolLag lag;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return lag;
  spool::Options o;
  o.dir = dir;
  o.prefix = spool::kJournalMainPrefix;
  spool::Reader reader(o, spool::Position{});
  std::string payload;
  while (reader.next(payload)) {
    spool::TxnHeader h;
    switch (spool::record_type(payload)) {
      case spool::RecordType::kTxn:
        h = spool::decode_txn_header(payload);
        break;
      case spool::RecordType::kTxnRef:
        h = spool::decode_txn_ref(payload).header;
        break;
      default:
        continue;  // relations, prepared (not committed) and finished markers
    }
    if (h.end_lsn > applied_lsn) {
      lag.oldest_unapplied = std::move(h);
      break;
    }
    lag.newest_applied = std::move(h);
  }
  return lag;
}

}  // namespace walrelay::ops
