// The plugin's entry symbol: registers SqlServerSink with the SDK's C ABI adapter.
#include <walrelay/sink.hpp>

#include "options.h"
#include "sqlserver_sink.h"

WALRELAY_SINK_PLUGIN(walrelay::sqlserver::SqlServerSink, "sqlserver", "0.1.0",
                     "applies changes to Microsoft SQL Server over FreeTDS, exactly once "
                     "(checkpoint in the same transaction)",
                     WR_CAP_TRANSACTIONAL | WR_CAP_TRUNCATE | WR_CAP_SCHEMA_CHANGE |
                         WR_CAP_PARTIAL_TXN,
                     walrelay::sqlserver::kOptions)
