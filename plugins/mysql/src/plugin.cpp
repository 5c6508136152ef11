// The plugin's entry symbol: registers MysqlSink with the SDK's C ABI adapter.
#include <walrelay/sink.hpp>

#include "mysql_sink.h"
#include "options.h"

WALRELAY_SINK_PLUGIN(walrelay::mysql::MysqlSink, "mysql", "0.1.0",
                     "applies changes to MySQL/MariaDB, exactly once (checkpoint in the same "
                     "transaction)",
                     WR_CAP_TRANSACTIONAL | WR_CAP_TRUNCATE | WR_CAP_SCHEMA_CHANGE |
                         WR_CAP_PARTIAL_TXN | WR_CAP_EARLY_APPLY,
                     walrelay::mysql::kOptions)
