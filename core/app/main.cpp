// walrelay command line: run, plugins, check, init, teardown, status, --version.
#include <CLI/CLI.hpp>
#include <cstdio>

#include <walrelay/sink.h>

#include "core/app/commands.h"

int main(int argc, char **argv) {
  CLI::App app{"walrelay: PostgreSQL logical replication (pgoutput) to pluggable sinks"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "print the version and exit");

  std::string config, plugin_dir;
  walrelay::app::RunOptions run_opts;
  auto *run = app.add_subcommand("run", "replicate until SIGINT/SIGTERM");
  run->add_option("-c,--config", run_opts.config_path, "config file (YAML)")->required();
  run->add_option("--log-level", run_opts.log_level,
                  "trace|debug|info|warn|error (overrides config)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  run->add_option("--start-lsn", run_opts.start_lsn,
                  "start streaming at this LSN (X/Y) instead of the sinks' positions; refused "
                  "when before the slot's confirmed_flush_lsn");
  run->add_option("--stop-lsn", run_opts.stop_lsn,
                  "apply everything committed up to this LSN (X/Y), then stop cleanly");

  auto *plugins = app.add_subcommand("plugins", "list sink plugins and their options");
  plugins->add_option("-c,--config", config, "config file: also check the plugins it names");
  plugins->add_option("--plugin-dir", plugin_dir, "directory to scan");

  std::string ops_config;
  auto *check = app.add_subcommand("check",
                                   "check the source, slot, publication and sinks; "
                                   "print each problem with its fix");
  check->add_option("-c,--config", ops_config, "config file (YAML)")->required();
  auto *init = app.add_subcommand("init", "create the publication (if configured) and the slot");
  init->add_option("-c,--config", ops_config, "config file (YAML)")->required();
  walrelay::app::TeardownOptions teardown_opts;
  auto *teardown = app.add_subcommand("teardown", "drop the slot (and optionally the publication)");
  teardown->add_option("-c,--config", teardown_opts.config_path, "config file (YAML)")->required();
  teardown->add_flag("--yes,-y", teardown_opts.yes, "do not ask for confirmation");
  teardown->add_flag("--drop-publication", teardown_opts.drop_publication,
                     "drop source.publication too");
  auto *status = app.add_subcommand("status", "slot lag, sinks' applied positions, spool size");
  status->add_option("-c,--config", ops_config, "config file (YAML)")->required();

  CLI11_PARSE(app, argc, argv);
  if (version) {
    std::printf("walrelay %s (sink ABI %u)\n", WALRELAY_VERSION, WR_SINK_ABI_VERSION);
    return 0;
  }
  if (*run) return walrelay::app::run_command(run_opts);
  if (*plugins) return walrelay::app::plugins_command(config, plugin_dir);
  if (*check) return walrelay::app::check_command(ops_config);
  if (*init) return walrelay::app::init_command(ops_config);
  if (*teardown) return walrelay::app::teardown_command(teardown_opts);
  if (*status) return walrelay::app::status_command(ops_config);
  std::printf("%s", app.help().c_str());
  return walrelay::app::kExitConfig;
}
