// Test helper: a small strict JSON parser, so that tests compare events field by field.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kafkatest {

/// A parsed JSON value. Numbers keep their literal text (compare with num()).
struct Json {
  enum Type { Null, Bool, Number, String, Array, Object } type = Null;
  bool b = false;
  std::string text;  ///< String: decoded; Number: the literal
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;  ///< in document order

  bool is_null() const { return type == Null; }
  /// Member `k` of an object; throws when missing (so a missing field fails the test).
  const Json &operator[](const std::string &k) const {
    if (type != Object) throw std::runtime_error("not an object, looking for '" + k + "'");
    for (const auto &[name, v] : members) {
      if (name == k) return v;
    }
    throw std::runtime_error("no member '" + k + "'");
  }
  bool has(const std::string &k) const {
    for (const auto &[name, v] : members) {
      if (name == k) return true;
    }
    return false;
  }
  /// Member names in order.
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto &m : members) out.push_back(m.first);
    return out;
  }
  const std::string &str() const {
    if (type != String) throw std::runtime_error("not a string");
    return text;
  }
  const std::string &num() const {
    if (type != Number) throw std::runtime_error("not a number");
    return text;
  }
};

/// Parses `s` (the whole text must be one JSON value); throws std::runtime_error.
class JsonParser {
 public:
  static Json parse(std::string_view s) {
    JsonParser p(s);
    Json v = p.value();
    p.ws();
    if (p.i_ != s.size()) p.fail("trailing characters");
    return v;
  }

 private:
  explicit JsonParser(std::string_view s) : s_(s) {}
  [[noreturn]] void fail(const std::string &why) {
    throw std::runtime_error("JSON error at " + std::to_string(i_) + ": " + why + " in " +
                             std::string(s_));
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
      ++i_;
  }
  bool lit(std::string_view l) {
    if (s_.substr(i_, l.size()) != l) return false;
    i_ += l.size();
    return true;
  }
  Json value() {
    ws();
    if (i_ >= s_.size()) fail("unexpected end");
    Json v;
    const char c = s_[i_];
    if (lit("null")) return v;
    if (lit("true")) {
      v.type = Json::Bool;
      v.b = true;
      return v;
    }
    if (lit("false")) {
      v.type = Json::Bool;
      return v;
    }
    if (c == '"') {
      v.type = Json::String;
      v.text = string();
      return v;
    }
    if (c == '[') {
      v.type = Json::Array;
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return v;
      }
      for (;;) {
        v.items.push_back(value());
        ws();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == ']') {
          ++i_;
          return v;
        }
        fail("expected , or ]");
      }
    }
    if (c == '{') {
      v.type = Json::Object;
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return v;
      }
      for (;;) {
        ws();
        if (i_ >= s_.size() || s_[i_] != '"') fail("expected member name");
        std::string k = string();
        ws();
        if (i_ >= s_.size() || s_[i_] != ':') fail("expected :");
        ++i_;
        v.members.emplace_back(std::move(k), value());
        ws();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == '}') {
          ++i_;
          return v;
        }
        fail("expected , or }");
      }
    }
    // number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    const size_t start = i_;
    if (s_[i_] == '-') ++i_;
    auto digit = [&] { return i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9'; };
    if (!digit()) fail("bad value");
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (digit()) ++i_;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digit()) fail("bad fraction");
      while (digit()) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digit()) fail("bad exponent");
      while (digit()) ++i_;
    }
    v.type = Json::Number;
    v.text = std::string(s_.substr(start, i_ - start));
    return v;
  }
  static void utf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  std::string string() {
    ++i_;  // opening quote
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return out;
      if (c < 0x20) fail("raw control character in string");
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (i_ >= s_.size()) fail("bad escape");
      const char e = s_[i_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          if (i_ + 4 > s_.size()) fail("bad \\u");
          const uint32_t cp =
              static_cast<uint32_t>(std::stoul(std::string(s_.substr(i_, 4)), nullptr, 16));
          i_ += 4;
          utf8(out, cp);
          break;
        }
        default:
          fail("bad escape");
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

/// Shorthand for JsonParser::parse.
inline Json parse_json(std::string_view s) { return JsonParser::parse(s); }

}  // namespace kafkatest
