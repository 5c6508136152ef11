// PostgreSQL array text output -> JSON array text.
#include "pg_array.h"

namespace walrelay::mysql {
namespace {

/// Most nesting accepted (PostgreSQL allows 6 dimensions).
constexpr int kMaxDepth = 6;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/// True when `t` is a JSON number (RFC 8259 grammar).
bool json_number(std::string_view t) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > start;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i >= t.size()) return false;
  if (t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

void append_json_string(std::string &out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  out += '"';
}

/// Recursive-descent parser over one array literal.
class Parser {
 public:
  Parser(std::string_view t, ArrayElement kind, std::string &out, std::string &error)
      : t_(t), kind_(kind), out_(out), error_(error) {}

  bool run() {
    skip_bounds();
    if (!ok_) return false;
    skip_space();
    array(1);
    if (!ok_) return false;
    skip_space();
    if (pos_ != t_.size()) return fail("unexpected text after the closing '}'");
    return true;
  }

 private:
  bool fail(const std::string &what) {
    if (ok_) error_ = "malformed array literal at byte " + std::to_string(pos_) + ": " + what;
    ok_ = false;
    return false;
  }
  void skip_space() {
    while (pos_ < t_.size() && is_space(t_[pos_])) ++pos_;
  }
  /// "[1:3][0:1]=" before the braces: PostgreSQL prints it when a lower bound is not 1.
  void skip_bounds() {
    if (pos_ >= t_.size() || t_[pos_] != '[') return;
    while (pos_ < t_.size() && t_[pos_] == '[') {
      const size_t close = t_.find(']', pos_);
      if (close == std::string_view::npos) {
        fail("unterminated dimension bounds");
        return;
      }
      for (size_t i = pos_ + 1; i < close; ++i) {
        const char c = t_[i];
        if (!((c >= '0' && c <= '9') || c == ':' || c == '-')) {
          pos_ = i;
          fail("bad character in dimension bounds");
          return;
        }
      }
      pos_ = close + 1;
    }
    if (pos_ >= t_.size() || t_[pos_] != '=')
      fail("expected '=' after dimension bounds");
    else
      ++pos_;
  }

  void array(int depth) {
    if (depth > kMaxDepth) {
      fail("more than " + std::to_string(kMaxDepth) + " dimensions");
      return;
    }
    if (pos_ >= t_.size() || t_[pos_] != '{') {
      fail("expected '{'");
      return;
    }
    ++pos_;
    out_ += '[';
    skip_space();
    if (pos_ < t_.size() && t_[pos_] == '}') {
      ++pos_;
      out_ += ']';
      return;
    }
    bool nested = false;
    int count = 0;
    for (bool first = true;; first = false) {
      if (!first) out_ += ',';
      skip_space();
      if (pos_ >= t_.size()) {
        fail("unterminated array (missing '}')");
        return;
      }
      const bool sub = t_[pos_] == '{';
      if (first) nested = sub;
      if (sub != nested) {
        fail("sub-arrays mixed with elements");
        return;
      }
      ++count;
      if (sub) {
        array(depth + 1);
      } else {
        element();
      }
      if (!ok_) return;
      skip_space();
      if (pos_ >= t_.size()) {
        fail("unterminated array (missing '}')");
        return;
      }
      if (t_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (t_[pos_] == '}') {
        // Every sub-array of one dimension has the same length (PostgreSQL rejects others).
        int &expected = lengths_[depth];
        if (expected >= 0 && expected != count) {
          fail("sub-arrays of different lengths");
          return;
        }
        expected = count;
        ++pos_;
        out_ += ']';
        return;
      }
      fail(std::string("expected ',' or '}', got '") + t_[pos_] + "'");
      return;
    }
  }

  void element() {
    value_.clear();
    bool quoted = false;
    if (t_[pos_] == '"') {
      quoted = true;
      ++pos_;
      while (true) {
        if (pos_ >= t_.size()) {
          fail("unterminated quoted element");
          return;
        }
        const char c = t_[pos_++];
        if (c == '"') break;
        if (c == '\\') {
          if (pos_ >= t_.size()) {
            fail("backslash at the end of the input");
            return;
          }
          value_ += t_[pos_++];
        } else {
          value_ += c;
        }
      }
    } else {
      while (pos_ < t_.size()) {
        const char c = t_[pos_];
        if (c == ',' || c == '}') break;
        if (c == '{' || c == '"') {
          fail(std::string("unexpected '") + c + "' in an unquoted element");
          return;
        }
        ++pos_;
        if (c == '\\') {
          if (pos_ >= t_.size()) {
            fail("backslash at the end of the input");
            return;
          }
          value_ += t_[pos_++];
        } else {
          value_ += c;
        }
      }
      while (!value_.empty() && is_space(value_.back())) value_.pop_back();
      if (value_.empty()) {
        fail("empty unquoted element");
        return;
      }
      if (value_.size() == 4 && (value_[0] | 0x20) == 'n' && (value_[1] | 0x20) == 'u' &&
          (value_[2] | 0x20) == 'l' && (value_[3] | 0x20) == 'l') {
        out_ += "null";
        return;
      }
    }
    emit(quoted);
  }

  void emit(bool quoted) {
    switch (kind_) {
      case ArrayElement::Number:
        if (!quoted && json_number(value_)) {
          out_ += value_;
          return;
        }
        break;
      case ArrayElement::Bool:
        if (value_ == "t" || value_ == "true") {
          out_ += "true";
          return;
        }
        if (value_ == "f" || value_ == "false") {
          out_ += "false";
          return;
        }
        fail("'" + value_ + "' is not a boolean");
        return;
      case ArrayElement::String:
        break;
    }
    append_json_string(out_, value_);
  }

  std::string_view t_;
  ArrayElement kind_;
  std::string &out_;
  std::string &error_;
  std::string value_;
  size_t pos_ = 0;
  bool ok_ = true;
  int lengths_[kMaxDepth + 1] = {-1, -1, -1, -1, -1, -1, -1};  ///< per depth, -1: not seen
};

}  // namespace

bool array_element_kind(uint32_t oid, ArrayElement &kind) {
  switch (oid) {
    case 1005:  // int2[]
    case 1007:  // int4[]
    case 1016:  // int8[]
    case 1021:  // float4[]
    case 1022:  // float8[]
    case 1231:  // numeric[]
    case 1028:  // oid[]
      kind = ArrayElement::Number;
      return true;
    case 1000:  // bool[]
      kind = ArrayElement::Bool;
      return true;
    case 1002:  // "char"[]
    case 1003:  // name[]
    case 1009:  // text[]
    case 1014:  // bpchar[]
    case 1015:  // varchar[]
    case 1001:  // bytea[] (elements stay in \x hex text)
    case 199:   // json[]
    case 3807:  // jsonb[]
    case 143:   // xml[]
    case 2951:  // uuid[]
    case 1182:  // date[]
    case 1183:  // time[]
    case 1115:  // timestamp[]
    case 1185:  // timestamptz[]
    case 1187:  // interval[]
    case 1270:  // timetz[]
    case 791:   // money[]
    case 1041:  // inet[]
    case 651:   // cidr[]
    case 1040:  // macaddr[]
    case 775:   // macaddr8[]
    case 3221:  // pg_lsn[]
    case 1561:  // bit[]
    case 1563:  // varbit[]
      kind = ArrayElement::String;
      return true;
    default:
      return false;
  }
}

bool array_to_json(std::string_view text, ArrayElement kind, std::string &out, std::string &error) {
  out.clear();
  error.clear();
  return Parser(text, kind, out, error).run();
}

}  // namespace walrelay::mysql
