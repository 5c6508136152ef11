// The plugin's entry symbol: KafkaSink through the SDK adapter, with a create() that
// accepts the `librdkafka.*` passthrough keys.
#include <walrelay/sink.hpp>

#include "kafka_sink.h"
#include "options.h"

namespace {

using walrelay::kafka::KafkaSink;
using Adapter = walrelay::sdk::detail::Adapter<KafkaSink>;
using Instance = walrelay::sdk::detail::Instance<KafkaSink>;
namespace sdk = walrelay::sdk;

/// Like sdk::detail::Adapter::create, except that unknown keys are rejected by
/// SinkOptions::parse (the SDK's exact-key check cannot express a key prefix).
wr_status create(const wr_host_api *host, wr_host_sink *hs, const char *name,
                 const wr_config *config, wr_sink **out) noexcept {
  if (out == nullptr) return WR_FATAL;
  try {
    sdk::SinkContext ctx{host, hs, name ? name : "", sdk::Config(config)};
    auto *inst = new Instance{host, hs, nullptr};
    try {
      inst->sink = new KafkaSink(ctx);
    } catch (...) {
      delete inst;
      throw;
    }
    *out = reinterpret_cast<wr_sink *>(inst);
    return WR_OK;
  } catch (const sdk::Error &e) {
    return sdk::detail::report(host, hs, e.status(), e.what());
  } catch (const std::bad_alloc &) {
    return sdk::detail::report(host, hs, WR_FATAL, "out of memory");
  } catch (const std::exception &e) {
    return sdk::detail::report(host, hs, WR_FATAL, e.what());
  } catch (...) {
    return sdk::detail::report(host, hs, WR_FATAL, "unknown exception in create");
  }
}

const wr_sink_vtable kVtable = {
    sizeof(wr_sink_vtable), 0, &create, &Adapter::destroy, &Adapter::load_position,
    &Adapter::apply};

}  // namespace

extern "C" WR_SINK_EXPORT const wr_plugin *walrelay_sink_entry(const wr_host_api *host) {
  if (host == nullptr || host->abi_min > WR_SINK_ABI_VERSION ||
      host->abi_max < WR_SINK_ABI_VERSION) {
    if (host && host->set_error) {
      host->set_error(nullptr, "plugin kafka supports only sink ABI version 1");
    }
    return nullptr;
  }
  static const wr_plugin info = {
      sizeof(wr_plugin),
      WR_SINK_ABI_VERSION,
      "kafka",
      "0.1.0",
      "produces Debezium-compatible JSON change events to Kafka (at-least-once, or exactly "
      "once with transactional_id)",
      WR_CAP_TRUNCATE | WR_CAP_SCHEMA_CHANGE | WR_CAP_MESSAGES | WR_CAP_PARTIAL_TXN,
      static_cast<uint32_t>(sizeof(walrelay::kafka::kOptions) /
                            sizeof(walrelay::kafka::kOptions[0])),
      0,
      walrelay::kafka::kOptions,
      &kVtable};
  return &info;
}
