#include "core/snapshot/snapshot_runner.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "core/metrics/metrics.h"
#include "core/replication/replication_connection.h"
#include "core/snapshot/copy_text.h"
#include "core/util/lsn.h"

namespace walrelay::snapshot {

namespace {

using Clock = std::chrono::steady_clock;

// Rows of one chunk, as the workers parse them; handed to the source thread in blocks of
// about kBlockBytes so that memory stays bounded and the copy keeps streaming.
struct RowBlock {
  size_t chunk = 0;
  std::string data;
  std::vector<CopyField> fields;
  size_t rows = 0;
  bool last = false;  // the chunk's final block
};
constexpr size_t kBlockBytes = 256 * 1024;

struct ConnDeleter {
  void operator()(PGconn *c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;
struct ResultDeleter {
  void operator()(PGresult *r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string trimmed_error(PGconn *conn, PGresult *r) {
  std::string e = r ? PQresultErrorMessage(r) : PQerrorMessage(conn);
  while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  return e;
}

// An ordinary connection with the replication session's settings, so that COPY renders
// values exactly as pgoutput does (DateStyle, TimeZone, extra_float_digits, bytea_output).
Conn connect(const std::string &conninfo) {
  const char *keys[] = {"application_name", "options", "dbname", nullptr};
  const char *vals[] = {"walrelay-snapshot", replication::kSessionOptions, conninfo.c_str(),
                        nullptr};
  Conn c(PQconnectdbParams(keys, vals, 1));
  if (!c || PQstatus(c.get()) != CONNECTION_OK)
    throw SnapshotError("snapshot: cannot connect to source (" +
                            replication::redact_conninfo(conninfo) +
                            "): " + trimmed_error(c.get(), nullptr),
                        true);
  return c;
}

void exec(PGconn *conn, const std::string &sql, const std::string &what) {
  Result r(PQexec(conn, sql.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK)
    throw SnapshotError("snapshot: " + what + " failed: " + trimmed_error(conn, r.get()),
                        PQstatus(conn) != CONNECTION_OK);
}

// Opens a REPEATABLE READ transaction that sees exactly the exported snapshot.
Conn import_snapshot(const std::string &conninfo, const std::string &name) {
  Conn c = connect(conninfo);
  exec(c.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "BEGIN");
  char *lit = PQescapeLiteral(c.get(), name.data(), name.size());
  if (lit == nullptr) throw SnapshotError("snapshot: cannot quote the snapshot name", false);
  const std::string sql = std::string("SET TRANSACTION SNAPSHOT ") + lit;
  PQfreemem(lit);
  exec(c.get(), sql, "importing snapshot '" + name + "'");
  return c;
}

// Hands chunks to the workers and row blocks to the source thread.
class Exchange {
 public:
  Exchange(size_t n_chunks, size_t max_blocks) : n_chunks_(n_chunks), max_blocks_(max_blocks) {}

  std::optional<size_t> next_chunk() {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_ || next_ >= n_chunks_) return std::nullopt;
    return next_++;
  }
  // False when the run is over (failed or stopping).
  bool push(std::unique_ptr<RowBlock> b) {
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [&] { return failed_ || blocks_.size() < max_blocks_; });
    if (failed_) return false;
    blocks_.push_back(std::move(b));
    ready_.notify_one();
    return true;
  }
  // Waits up to `timeout` for a block; nullptr on timeout or when every worker is done.
  std::unique_ptr<RowBlock> pop(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait_for(lock, timeout, [&] { return !blocks_.empty() || workers_done(); });
    if (blocks_.empty()) return nullptr;
    auto b = std::move(blocks_.front());
    blocks_.pop_front();
    space_.notify_one();
    return b;
  }
  void fail(const std::string &error, bool retryable) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failed_) {
      error_ = error;
      retryable_ = retryable;
    }
    failed_ = true;
    space_.notify_all();
    ready_.notify_all();
  }
  void worker_finished() {
    std::lock_guard<std::mutex> lock(mu_);
    ++finished_workers_;
    ready_.notify_all();
  }
  void set_workers(size_t n) { workers_ = n; }
  bool done() {
    std::lock_guard<std::mutex> lock(mu_);
    return blocks_.empty() && workers_done();
  }
  bool failed(std::string *error, bool *retryable) {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_) {
      *error = error_;
      *retryable = retryable_;
    }
    return failed_;
  }

 private:
  bool workers_done() const { return finished_workers_ >= workers_; }

  std::mutex mu_;
  std::condition_variable space_, ready_;
  std::deque<std::unique_ptr<RowBlock>> blocks_;
  size_t n_chunks_, max_blocks_, next_ = 0, workers_ = 0, finished_workers_ = 0;
  bool failed_ = false, retryable_ = false;
  std::string error_;
};

// One worker: imports the snapshot, then copies chunks until none is left.
void work(const SnapshotJob &job, const Plan &plan, Exchange &ex) {
  try {
    Conn conn = import_snapshot(job.conninfo, job.snapshot_name);
    std::string error;
    while (auto ci = ex.next_chunk()) {
      const Chunk &chunk = plan.chunks[*ci];
      const TableInfo &table = plan.tables[chunk.table];
      const std::string sql = "COPY (" + chunk_query(conn.get(), table, chunk) + ") TO STDOUT";
      Result r(PQexec(conn.get(), sql.c_str()));
      if (!r || PQresultStatus(r.get()) != PGRES_COPY_OUT)
        throw SnapshotError("snapshot: COPY of " + table.qualified() +
                                " failed: " + trimmed_error(conn.get(), r.get()),
                            PQstatus(conn.get()) != CONNECTION_OK);
      auto block = std::make_unique<RowBlock>();
      block->chunk = *ci;
      for (;;) {
        char *buf = nullptr;
        const int n = PQgetCopyData(conn.get(), &buf, 0);
        if (n < 0) break;
        const bool ok =
            parse_copy_text_row(std::string_view(buf, static_cast<size_t>(n)), table.columns.size(),
                                block->data, block->fields, error);
        PQfreemem(buf);
        if (!ok)
          throw SnapshotError("snapshot: COPY of " + table.qualified() + ": " + error, false);
        ++block->rows;
        if (block->data.size() >= kBlockBytes) {
          if (!ex.push(std::move(block))) return;
          block = std::make_unique<RowBlock>();
          block->chunk = *ci;
        }
      }
      Result end(PQgetResult(conn.get()));
      if (!end || PQresultStatus(end.get()) != PGRES_COMMAND_OK)
        throw SnapshotError("snapshot: COPY of " + table.qualified() +
                                " failed: " + trimmed_error(conn.get(), end.get()),
                            PQstatus(conn.get()) != CONNECTION_OK);
      while (Result more{PQgetResult(conn.get())}) {
      }
      block->last = true;
      if (!ex.push(std::move(block))) return;
    }
    exec(conn.get(), "COMMIT", "COMMIT");
  } catch (const SnapshotError &e) {
    ex.fail(e.what(), e.retryable());
  } catch (const std::exception &e) {
    ex.fail(std::string("snapshot: ") + e.what(), false);
  }
  ex.worker_finished();
}

// Rows copied per table, shown live on a terminal and as log lines otherwise.
class Progress {
 public:
  Progress(const Plan &plan, std::chrono::milliseconds interval)
      : plan_(plan),
        rows_(plan.tables.size()),
        chunks_done_(plan.tables.size()),
        chunks_total_(plan.tables.size()),
        tty_(isatty(STDERR_FILENO) != 0),
        interval_(tty_ ? std::chrono::milliseconds(1000) : interval),
        started_(Clock::now()),
        next_(started_ + interval_) {
    for (const auto &c : plan.chunks) ++chunks_total_[c.table];
  }
  void rows(size_t table, uint64_t n) { rows_[table] += n; }
  void chunk_done(size_t table) { ++chunks_done_[table]; }
  void maybe_show() {
    if (Clock::now() >= next_) show(false);
  }
  void show(bool final) {
    const auto now = Clock::now();
    next_ = now + interval_;
    const double secs = std::max(1e-3, std::chrono::duration<double>(now - started_).count());
    std::string out;
    for (size_t i = 0; i < plan_.tables.size(); ++i) {
      const TableInfo &t = plan_.tables[i];
      const bool done = chunks_done_[i] == chunks_total_[i];
      if (!tty_ && !final && (done || rows_[i] == 0)) continue;  // log lines: active ones only
      const double est = std::max<double>(t.estimated_rows, static_cast<double>(rows_[i]));
      const double rate = static_cast<double>(rows_[i]) / secs;
      std::string line = fmt::format("snapshot {:<40} {:>12} rows", t.qualified(), rows_[i]);
      if (!done && est > 0) {
        line += fmt::format(" of ~{:.0f} ({:.0f}%)", est, 100.0 * rows_[i] / est);
        if (rate > 0)
          line += fmt::format(", {:.0f} rows/s, ETA {:.0f} s", rate, (est - rows_[i]) / rate);
      }
      line +=
          fmt::format(", chunks {}/{}{}", chunks_done_[i], chunks_total_[i], done ? " done" : "");
      if (tty_)
        out += "\033[2K" + line + "\n";
      else
        spdlog::info("{}", line);
    }
    if (tty_) {
      if (shown_lines_) std::fprintf(stderr, "\033[%zuA", shown_lines_);
      std::fputs(out.c_str(), stderr);
      std::fflush(stderr);
      shown_lines_ = plan_.tables.size();
    }
  }

 private:
  const Plan &plan_;
  std::vector<uint64_t> rows_;
  std::vector<size_t> chunks_done_, chunks_total_;
  bool tty_;
  std::chrono::milliseconds interval_;
  Clock::time_point started_, next_;
  size_t shown_lines_ = 0;
};

}  // namespace

SnapshotRunner::SnapshotRunner(const SnapshotConfig &config, TransactionPool &pool,
                               spool::Journal *journal, size_t spill_bytes, StopSignal &stop)
    : config_(config), builder_(pool, journal, spill_bytes), stop_(stop) {}

SnapshotResult SnapshotRunner::run(const SnapshotJob &job,
                                   const std::function<void(Finished)> &emit) {
  SnapshotResult result;
  // The plan comes from the snapshot itself, so it lists exactly the tables it copies.
  Plan plan;
  {
    Conn conn = import_snapshot(job.conninfo, job.snapshot_name);
    plan = plan_snapshot(conn.get(), job.publications, config_.chunk_bytes);
    exec(conn.get(), "COMMIT", "COMMIT");
  }
  if (!job.skip_tables.empty()) {
    // A resumed snapshot: tables the interrupted one spooled completely stay as they are.
    Plan rest;
    std::vector<size_t> index(plan.tables.size(), SIZE_MAX);
    for (size_t i = 0; i < plan.tables.size(); ++i) {
      if (job.skip_tables.count(plan.tables[i].oid)) continue;
      index[i] = rest.tables.size();
      rest.tables.push_back(std::move(plan.tables[i]));
    }
    for (const Chunk &c : plan.chunks)
      if (index[c.table] != SIZE_MAX)
        rest.chunks.push_back({index[c.table], c.first_page, c.end_page, c.whole});
    spdlog::info("snapshot: resuming: {} table(s) already complete, {} to copy again",
                 plan.tables.size() - rest.tables.size(), rest.tables.size());
    plan = std::move(rest);
  }
  std::vector<size_t> chunks_left(plan.tables.size(), 0);
  for (const Chunk &c : plan.chunks) ++chunks_left[c.table];
  result.tables = plan.tables.size();
  auto &m = metrics::process_metrics();
  m.snapshot.running.set(1);
  struct NotRunning {
    metrics::IntGauge &g;
    ~NotRunning() { g.set(0); }
  } not_running{m.snapshot.running};
  m.snapshot.chunks_planned.set(plan.chunks.size());
  m.snapshot.chunks_done.set(0);
  std::vector<metrics::TableMetrics *> table_metrics;
  for (const auto &t : plan.tables) table_metrics.push_back(m.register_table(t.qualified()));
  spdlog::info("snapshot: copying {} table(s) in {} chunk(s) with {} worker(s)", plan.tables.size(),
               plan.chunks.size(), config_.workers);

  // Relations and custom types announced the way pgoutput announces them.
  pgoutput::Message msg;
  for (const auto &t : plan.tables) {
    for (const auto &c : t.columns) {
      if (c.type_schema.empty()) continue;
      msg.type = pgoutput::MessageType::Type;
      msg.type_msg = {0, c.type_oid, c.type_schema, c.type_name};
      builder_.next(msg, 0);
    }
    msg.type = pgoutput::MessageType::Relation;
    msg.relation.xid = 0;
    msg.relation.relation_id = t.oid;
    msg.relation.schema = t.schema;
    msg.relation.name = t.name;
    msg.relation.replica_identity = t.replica_identity;
    msg.relation.columns.clear();
    for (const auto &c : t.columns)
      msg.relation.columns.push_back(
          {static_cast<uint8_t>(c.key ? 1 : 0), c.name, c.type_oid, c.typmod});
    builder_.next(msg, 0);
  }

  uint64_t ordinal = job.first_ordinal;
  auto commit = [&](uint32_t xid) {
    if (job.limit && ordinal >= job.limit)
      throw SnapshotError("snapshot: ordinal " + std::to_string(ordinal) +
                              " reaches the slot's consistent point " + format_lsn(job.limit) +
                              " (the sinks hold positions too close to it)",
                          false);
    msg.type = pgoutput::MessageType::StreamCommit;
    msg.stream_commit = {xid, 0, 0, ordinal, job.time_us - kPostgresEpochOffsetUs};
    auto f = builder_.next(msg, 0);
    result.last_ordinal = ordinal++;
    if (f) emit(std::move(*f));
  };
  auto start_stream = [&](uint32_t xid, bool first) {
    msg.type = pgoutput::MessageType::StreamStart;
    msg.stream_start = {xid, first};
    builder_.next(msg, 0);
  };
  auto stop_stream = [&] {
    msg.type = pgoutput::MessageType::StreamStop;
    builder_.next(msg, 0);
  };

  if (job.truncate_first && !plan.tables.empty()) {
    // A restarted snapshot: what an interrupted one delivered is replaced as a whole.
    start_stream(1, true);
    msg.type = pgoutput::MessageType::Truncate;
    msg.truncate.xid = 1;
    msg.truncate.options = 0;
    msg.truncate.relation_ids.clear();
    for (const auto &t : plan.tables) msg.truncate.relation_ids.push_back(t.oid);
    builder_.next(msg, 0);
    stop_stream();
    commit(1);
  }

  Exchange ex(plan.chunks.size(), static_cast<size_t>(config_.workers) * 2 + 2);
  const size_t n_workers =
      std::min<size_t>(config_.workers, std::max<size_t>(1, plan.chunks.size()));
  ex.set_workers(n_workers);
  std::vector<std::thread> workers;
  for (size_t i = 0; i < n_workers; ++i)
    workers.emplace_back([&job, &plan, &ex] { work(job, plan, ex); });
  struct Joiner {
    std::vector<std::thread> &w;
    Exchange &ex;
    ~Joiner() {
      ex.fail("stopped", false);
      for (auto &t : w) t.join();
    }
  } joiner{workers, ex};

  Progress progress(plan, std::chrono::milliseconds(config_.progress_interval_ms));
  std::vector<bool> started(plan.chunks.size(), false);
  std::string error;
  bool retryable = false;
  while (!stop_.requested()) {
    if (ex.failed(&error, &retryable)) throw SnapshotError(error, retryable);
    auto block = ex.pop(std::chrono::milliseconds(100));
    progress.maybe_show();
    if (!block) {
      if (ex.done()) break;
      continue;
    }
    const Chunk &chunk = plan.chunks[block->chunk];
    const TableInfo &table = plan.tables[chunk.table];
    const uint32_t xid = static_cast<uint32_t>(block->chunk + 2);
    start_stream(xid, !started[block->chunk]);
    started[block->chunk] = true;
    msg.type = pgoutput::MessageType::Insert;
    msg.insert.xid = xid;
    msg.insert.relation_id = table.oid;
    const size_t n_cols = table.columns.size();
    msg.insert.new_tuple.columns.resize(n_cols);
    for (size_t r = 0; r < block->rows; ++r) {
      for (size_t c = 0; c < n_cols; ++c) {
        const CopyField &f = block->fields[r * n_cols + c];
        auto &v = msg.insert.new_tuple.columns[c];
        v.kind = f.null ? 'n' : 't';
        v.data = std::string_view(block->data).substr(f.offset, f.len);
      }
      builder_.next(msg, 0);
    }
    stop_stream();
    result.rows += block->rows;
    progress.rows(chunk.table, block->rows);
    table_metrics[chunk.table]->rows.add(block->rows);
    if (block->last) {
      commit(xid);
      if (--chunks_left[chunk.table] == 0 && job.on_table_done) job.on_table_done(table.oid);
      ++result.chunks;
      progress.chunk_done(chunk.table);
      m.snapshot.chunks_done.add();
    }
  }
  if (ex.failed(&error, &retryable) && error != "stopped") throw SnapshotError(error, retryable);
  if (!stop_.requested()) {
    progress.show(true);
    spdlog::info("snapshot: copied {} row(s) of {} table(s) in {} chunk(s)", result.rows,
                 result.tables, result.chunks);
  }
  return result;
}

}  // namespace walrelay::snapshot
