// Reading a sink's checkpoint back from the checkpoint topic (exactly-once mode).
#pragma once

#include <walrelay/sink.hpp>

#include <string>

#include "options.h"

namespace walrelay::kafka {

/// Reads partition 0 of options.checkpoint_topic with a read_committed consumer from the
/// beginning to its end and returns the end_lsn of the latest record keyed `ctx.name`,
/// or WR_LSN_INVALID when there is none (or the topic does not exist yet).
/// Throws sdk::retry when the cluster cannot be read within options.delivery_timeout_ms.
/// librdkafka's log lines go to the host's log through `ctx` (which must outlive the call).
wr_lsn read_checkpoint(const SinkOptions &options, const sdk::SinkContext &ctx);

}  // namespace walrelay::kafka
