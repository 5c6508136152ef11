// An in-process sink plugin (no .so) whose answers the tests set, for SinkHandle and
// DeliveryWorker metrics tests.
#pragma once

#include <walrelay/sink.h>

#include <atomic>

#include "core/plugin_host/plugin_loader.h"

namespace walrelay::fakesink {

/// What the next calls answer. Reset with reset() at the start of each test.
inline wr_status g_create = WR_OK, g_load = WR_OK, g_apply = WR_OK;
/// apply() answers WR_RETRY this many times before answering g_apply.
inline std::atomic<int> g_retries_left{0};
/// What load_position() reports; a successful apply() moves it to the batch's end_lsn.
inline std::atomic<wr_lsn> g_loaded{0};
inline int g_instance;

inline void reset() {
  g_create = g_load = g_apply = WR_OK;
  g_retries_left = 0;
  g_loaded = 0;
}

inline wr_status fake_create(const wr_host_api *, wr_host_sink *, const char *, const wr_config *,
                             wr_sink **out) {
  *out = reinterpret_cast<wr_sink *>(&g_instance);
  return g_create;
}
inline void fake_destroy(wr_sink *) {}
inline wr_status fake_load(wr_sink *, wr_lsn *out) {
  *out = g_loaded.load();
  return g_load;
}
inline wr_status fake_apply(wr_sink *, const wr_batch *b) {
  if (g_retries_left > 0) {
    --g_retries_left;
    return WR_RETRY;
  }
  if (g_apply == WR_OK && !(b->flags & WR_BATCH_TXN_CONTINUES)) g_loaded = b->end_lsn;
  return g_apply;
}

inline const wr_sink_vtable kVtable{sizeof(wr_sink_vtable), 0,         fake_create,
                                    fake_destroy,           fake_load, fake_apply};
inline const wr_plugin kPlugin{sizeof(wr_plugin), 0,       "fake", "1", "test", 0, 0, 0,
                               nullptr,           &kVtable};

/// A LoadedPlugin backed by kPlugin (no library loaded).
inline void make_plugin(LoadedPlugin &p) { p.info = &kPlugin; }

}  // namespace walrelay::fakesink
