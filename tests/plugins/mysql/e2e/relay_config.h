// walrelay's config for the MySQL end-to-end tests: the source is the test's PostgreSQL
// (slot "walrelay", publication "walrelay_pub"), the one sink "replica" is the MySQL
// plugin writing database "e2e" of the test's MariaDB over TCP as root, TLS off.
#pragma once

#include <string>

#include "tests/support/harness.h"

namespace walrelay::test {

/// The config described above; `extra` sink options are appended (e.g.
/// {{"load_data_min_rows", "100"}}). Callers add pipeline/spool keys to the result.
inline RelayConfig MysqlRelayConfig(const PgCluster &pg, unsigned maria_port,
                                    const KeyValues &extra = {}) {
  RelayConfig cfg;
  cfg.plugin_dir = WALRELAY_PLUGIN_DIR;
  cfg.conninfo = pg.conninfo();
  KeyValues opts = {{"host", "127.0.0.1"},
                    {"port", std::to_string(maria_port)},
                    {"user", "root"},
                    {"database", "e2e"},
                    {"ssl_mode", "disabled"}};
  opts.insert(opts.end(), extra.begin(), extra.end());
  cfg.sinks = {{"replica", "mysql", opts}};
  return cfg;
}

}  // namespace walrelay::test
