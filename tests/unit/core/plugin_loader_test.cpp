// Plugin host: loading fixture plugins through the real loader, and every refusal.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/plugin_host/plugin_loader.h"
#include "core/plugin_host/sink_handle.h"

namespace walrelay {
namespace {

std::string fixture(const std::string &name) {
  return std::string(WALRELAY_FIXTURE_PLUGIN_DIR) + "/" + name + ".so";
}

std::string refusal(const std::string &path, bool check_permissions = true) {
  try {
    load_plugin(path, check_permissions);
  } catch (const PluginError &e) {
    return e.what();
  }
  return "";
}

// A fresh directory only this user can write (mkdtemp: mode 0700).
std::string private_dir() {
  std::string t = ::testing::TempDir() + "walrelay-plugin-XXXXXX";
  if (::mkdtemp(t.data()) == nullptr) return "";
  return t;
}

// Copies the good fixture sink into `dir` as walrelay-sink-good.so with `mode`.
std::string copy_good_sink(const std::string &dir, mode_t mode) {
  const std::string to = dir + "/walrelay-sink-good.so";
  std::filesystem::copy_file(fixture("good_sink"), to,
                             std::filesystem::copy_options::overwrite_existing);
  ::chmod(to.c_str(), mode);
  return to;
}

TEST(PluginLoader, LoadsCSinkAndCallsItThroughTheVtable) {
  auto p = load_plugin(fixture("good_sink"));
  ASSERT_NE(p->info, nullptr);
  EXPECT_STREQ(p->info->name, "good");
  EXPECT_STREQ(p->info->version, "1.2.3");
  EXPECT_EQ(p->info->abi_version, 1u);
  EXPECT_EQ(p->info->capabilities,
            WR_CAP_TRANSACTIONAL | WR_CAP_TRUNCATE | WR_CAP_PARTIAL_TXN | WR_CAP_MESSAGES);

  SinkConfig sc{"mem", "good", {}, "test"};
  SinkHandle sink(*p, sc);
  ASSERT_TRUE(sink.create().ok());
  ASSERT_TRUE(sink.load_position().ok());
  EXPECT_EQ(sink.position(), WR_LSN_INVALID);
  wr_txn txn{};
  txn.struct_size = sizeof txn;
  txn.end_lsn = 0x1234;
  const wr_txn *txns[] = {&txn};
  wr_batch b{sizeof(wr_batch), 1, txns, 0x1234, 0};
  ASSERT_TRUE(sink.apply(b).ok());
  ASSERT_TRUE(sink.load_position().ok());
  EXPECT_EQ(sink.position(), 0x1234u);
}

TEST(PluginLoader, CreateErrorCarriesSinkNameAndPluginMessage) {
  auto p = load_plugin(fixture("good_sink"));
  SinkConfig sc{"mem", "good", {{"fail", "true", "x.yaml:3:5"}}, "test"};
  SinkHandle sink(*p, sc);
  SinkResult r = sink.create();
  EXPECT_EQ(r.status, WR_INVALID_CONFIG);
  EXPECT_NE(r.message.find("sink 'mem'"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("configured to fail"), std::string::npos) << r.message;
}

TEST(PluginLoader, LoadsPluginBuiltAgainstFrozenV1Header) {
  auto p = load_plugin(fixture("frozen_v1_sink"));
  EXPECT_STREQ(p->info->name, "frozen-v1");
}

TEST(PluginLoader, RefusesMissingEntrySymbol) {
  const std::string e = refusal(fixture("no_entry"));
  EXPECT_NE(e.find(fixture("no_entry")), std::string::npos) << e;
  EXPECT_NE(e.find("missing entry symbol 'walrelay_sink_entry'"), std::string::npos) << e;
}

TEST(PluginLoader, RefusesTooNewAbi) {
  const std::string e = refusal(fixture("abi_too_new"));
  EXPECT_NE(e.find("sink ABI version 99 is newer than this host supports (1..1)"),
            std::string::npos)
      << e;
}

TEST(PluginLoader, RefusesNullRequiredSlot) {
  const std::string e = refusal(fixture("null_slot"));
  EXPECT_NE(e.find("required slot 'apply' is NULL"), std::string::npos) << e;
}

TEST(PluginLoader, RefusesStructLargerThanHostKnows) {
  const std::string e = refusal(fixture("big_struct"));
  EXPECT_NE(e.find("larger than this host knows"), std::string::npos) << e;
}

TEST(PluginLoader, RefusesWhenEntryDeclinesAndShowsWhy) {
  const std::string e = refusal(fixture("declines"));
  EXPECT_NE(e.find("needs sink ABI version 7"), std::string::npos) << e;
}

TEST(PluginLoader, RefusesUnresolvedSymbolAtLoadTime) {
  const std::string e = refusal(fixture("undefined_symbol"));
  EXPECT_NE(e.find("cannot load"), std::string::npos) << e;
  EXPECT_NE(e.find("walrelay_fixture_symbol_that_does_not_exist"), std::string::npos) << e;
}

TEST(PluginLoader, RefusesMissingFileAndNonSharedObject) {
  EXPECT_NE(refusal("/nonexistent/walrelay-sink-x.so").find("no such file"), std::string::npos);
  const std::string dir = private_dir();
  ASSERT_FALSE(dir.empty());
  const std::string path = dir + "/walrelay-sink-text.so";
  std::ofstream(path) << "this is not a shared object\n";
  const std::string e = refusal(path);
  EXPECT_NE(e.find("not a shared object"), std::string::npos) << e;
  std::filesystem::remove_all(dir);
}

TEST(PluginLoader, RefusesPluginsOthersCouldReplaceUnlessTheCheckIsOff) {
  const std::string dir = private_dir();
  ASSERT_FALSE(dir.empty());
  const std::string so = copy_good_sink(dir, 0755);
  EXPECT_EQ(refusal(so), "");  // owned by us, dir 0700, file 0755: loads

  ::chmod(so.c_str(), 0666);
  std::string e = refusal(so);
  EXPECT_NE(e.find("plugin " + so + ": refused: file "), std::string::npos) << e;
  EXPECT_NE(e.find("is writable by others (mode 0666)"), std::string::npos) << e;
  EXPECT_NE(e.find("plugin_check_permissions: false"), std::string::npos) << e;
  EXPECT_EQ(refusal(so, false), "");  // the override

  ::chmod(so.c_str(), 0755);
  ::chmod(dir.c_str(), 0775);
  e = refusal(so);
  EXPECT_NE(e.find("directory " + dir + " is writable by its group (mode 0775)"), std::string::npos)
      << e;

  ::chmod(dir.c_str(), 0700);
  if (::geteuid() == 0) {  // only root can give a file away
    ASSERT_EQ(::chown(so.c_str(), 65534, 65534), 0);
    e = refusal(so);
    EXPECT_NE(e.find("is owned by uid 65534, neither root nor the user walrelay runs as"),
              std::string::npos)
        << e;
  }
  // A symlink counts for what it points to.
  ASSERT_EQ(::chown(so.c_str(), ::geteuid(), ::getegid()), 0);
  ::chmod(so.c_str(), 0666);
  const std::string link = dir + "/walrelay-sink-link.so";
  std::filesystem::create_symlink(so, link);
  e = refusal(link);
  EXPECT_NE(e.find("file " + so + " is writable by others"), std::string::npos) << e;
  std::filesystem::remove_all(dir);
}

TEST(PluginLoader, ResolvesNamesAndPaths) {
  EXPECT_EQ(resolve_plugin("sqlite", "/opt/p").string(), "/opt/p/walrelay-sink-sqlite.so");
  EXPECT_EQ(resolve_plugin("/x/y.so", "/opt/p").string(), "/x/y.so");
  EXPECT_EQ(resolve_plugin("./local.so", "/opt/p").string(), "./local.so");
}

TEST(PluginLoader, SqlitePluginExportsOnlyTheEntrySymbol) {
  const std::string so = std::string(WALRELAY_PLUGIN_DIR) + "/walrelay-sink-sqlite.so";
  FILE *f = popen(("nm -D --defined-only " + so + " 2>&1").c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, f)) out += buf;
  ASSERT_EQ(pclose(f), 0) << out;
  std::vector<std::string> symbols;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find('\n', pos);
    std::string line = out.substr(pos, nl - pos);
    pos = nl == std::string::npos ? out.size() : nl + 1;
    if (line.empty()) continue;
    symbols.push_back(line.substr(line.rfind(' ') + 1));
  }
  ASSERT_EQ(symbols.size(), 1u) << out;
  EXPECT_EQ(symbols[0], "walrelay_sink_entry");
}

TEST(PluginLoader, FindsPluginsInDirectorySorted) {
  auto found = find_plugins(WALRELAY_PLUGIN_DIR);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].filename().string().rfind("walrelay-sink-", 0), 0u);
  EXPECT_TRUE(find_plugins("/nonexistent-dir").empty());
}

}  // namespace
}  // namespace walrelay
