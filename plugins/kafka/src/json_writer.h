// JsonWriter: appends compact JSON to a caller-owned, reused std::string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace walrelay::kafka {

/// Appends a JSON string literal (with quotes) to `out`: `"` and `\` are escaped,
/// control characters (< 0x20) become \b \f \n \r \t or \u00XX, every other byte
/// (including UTF-8 sequences and DEL) passes through unchanged.
void append_json_string(std::string &out, std::string_view s);

/// Writes JSON into a buffer the caller reuses across rows, so that once the buffer has
/// grown no row allocates. Inserts commas between members and elements itself; nesting is
/// limited to kMaxDepth levels (the envelope needs three).
class JsonWriter {
 public:
  static constexpr int kMaxDepth = 16;

  /// Writes into `out` (appends; call clear() to start a new document).
  explicit JsonWriter(std::string &out) : out_(out) {}

  /// Empties the buffer (keeps its capacity) and resets the nesting state.
  void clear() {
    out_.clear();
    depth_ = 0;
    first_[0] = true;
  }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  /// Member name inside an object; the next call writes its value.
  void key(std::string_view k) {
    separate();
    append_json_string(out_, k);
    out_ += ':';
    after_key_ = true;
  }
  /// A string value (escaped).
  void string(std::string_view s) {
    separate();
    append_json_string(out_, s);
  }
  /// Text that is already valid JSON (a number literal, a nested document).
  void raw(std::string_view json) {
    separate();
    out_.append(json);
  }
  void null() { raw("null"); }
  void boolean(bool b) { raw(b ? "true" : "false"); }
  void number(int64_t v);
  void number(uint64_t v);
  /// A string value holding the standard base64 (RFC 4648, padded) of `bytes`.
  void base64(std::string_view bytes);

  std::string &buffer() { return out_; }

 private:
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_[depth_]) out_ += ',';
    first_[depth_] = false;
  }
  void open(char c) {
    separate();
    out_ += c;
    if (depth_ + 1 < kMaxDepth) ++depth_;
    first_[depth_] = true;
  }
  void close(char c) {
    out_ += c;
    if (depth_ > 0) --depth_;
  }

  std::string &out_;
  int depth_ = 0;
  bool after_key_ = false;
  bool first_[kMaxDepth] = {true};
};

}  // namespace walrelay::kafka
