#include "tests/chaos/summary.h"

#include <cstdarg>
#include <cstdio>
#include <sstream>

namespace walrelay::chaos {

namespace {

/// "=" when equal, else the number of mismatched rows and problems.
std::string Cell(const DestinationResult &d) {
  return d.mismatches() == 0 ? "= " + std::to_string(d.rows)
                             : "DIFF " + std::to_string(d.mismatches());
}

std::string Line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Line(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return std::string(buf) + "\n";
}

}  // namespace

size_t Summary::Mismatches() const {
  size_t n = 0;
  for (const TableResult &t : tables) {
    n += t.sqlite.mismatches() + t.mariadb.mismatches() + t.kafka.mismatches();
  }
  return n;
}

std::string Summary::Render() const {
  size_t src = 0, lite = 0, maria = 0, kafka = 0, events = 0, aborted = 0, runs = 0;
  for (const TableResult &t : tables) {
    src += t.source_rows;
    lite += t.sqlite.rows;
    maria += t.mariadb.rows;
    kafka += t.kafka.rows;
    events += t.kafka_events;
    aborted += t.kafka_aborted_records;
    runs += t.kafka_aborted_runs;
  }
  const std::string rule(96, '-');
  std::string s = "\n" + std::string(96, '=') + "\n";
  s += Line("walrelay chaos summary%s", sabotage ? "   (SABOTAGE self-check: must fail)" : "");
  s += rule + "\n";
  s += Line("%-24s %s (seed %llu)", "mode", mode.c_str(), static_cast<unsigned long long>(seed));
  s += Line("%-24s %d s of pgbench load, %lld s wall time", "duration", load_seconds, wall_seconds);
  s += Line("%-24s %lld transactions in %d round(s)", "pgbench", pgbench_transactions,
            pgbench_rounds);
  s += Line("%-24s %d (minimum %d), walrelay started %d times", "walrelay kill -9", kills,
            min_kills, walrelay_starts);
  s += Line("%-24s %d (pg_ctl restart -m immediate)", "PostgreSQL restarts", pg_restarts);
  s += Line("%-24s %d", "MariaDB restarts", maria_restarts);
  s += Line("%-24s %d (all brokers down %d s)", "Kafka outages", kafka_outages,
            kafka_outage_seconds);
  s += Line("%-24s %zu", "tables", tables.size());
  s += rule + "\n";
  s += Line("%-18s %10s  %-16s  %-14s %-14s %-14s", "table", "source", "checksum", "sqlite",
            "mariadb", "kafka");
  for (const TableResult &t : tables) {
    s += Line("%-18s %10zu  %-16s  %-14s %-14s %-14s", t.name.c_str(), t.source_rows,
              t.checksum.c_str(), Cell(t.sqlite).c_str(), Cell(t.mariadb).c_str(),
              Cell(t.kafka).c_str());
  }
  s += rule + "\n";
  s += Line("%-24s source %zu | sqlite %zu | mariadb %zu | kafka %zu", "rows compared", src, lite,
            maria, kafka);
  s += Line(
      "%-24s %zu events once; %zu records of aborted transactions in %zu run(s) taken out;"
      " %zu checkpoints",
      "kafka (read_committed)", events, aborted, runs, kafka_checkpoints);
  s += Line("%-24s %zu", "mismatches", Mismatches());
  s += std::string(96, '=') + "\n";
  return s;
}

std::string Summary::Failures() const {
  std::ostringstream out;
  for (const TableResult &t : tables) {
    const std::pair<const char *, const DestinationResult *> dests[] = {
        {"SQLite", &t.sqlite}, {"MariaDB", &t.mariadb}, {"Kafka", &t.kafka}};
    for (const auto &[name, d] : dests) {
      if (d->mismatches() == 0) continue;
      out << "table " << t.name << ": " << name << " differs from the source (" << t.source_rows
          << " source rows, " << d->rows << " in " << name << "; " << d->diff.missing
          << " missing, " << d->diff.extra << " extra)" << d->diff.first;
      for (size_t i = 0; i < d->problems.size() && i < 5; ++i) out << "\n    " << d->problems[i];
      if (d->problems.size() > 5) out << "\n    ... " << d->problems.size() - 5 << " more";
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace walrelay::chaos
