// The plugin's entry symbol: registers SqliteSink with the SDK's C ABI adapter.
#include <walrelay/sink.hpp>

#include "options.h"
#include "sqlite_sink.h"

WALRELAY_SINK_PLUGIN(walrelay::sqlite::SqliteSink, "sqlite", "0.1.0",
                     "applies changes to an SQLite file, exactly once (checkpoint in the "
                     "same transaction)",
                     WR_CAP_TRANSACTIONAL | WR_CAP_TRUNCATE | WR_CAP_SCHEMA_CHANGE |
                         WR_CAP_PARTIAL_TXN | WR_CAP_EARLY_APPLY,
                     walrelay::sqlite::kOptions)
