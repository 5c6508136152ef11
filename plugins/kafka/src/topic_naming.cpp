// Topic names: expansion of topic_template and Kafka's legal topic characters.
#include "topic_naming.h"

#include <utility>

namespace walrelay::kafka {
namespace {

bool legal(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

/// Calls on_text / on_var for the pieces of `tmpl`; returns an error text or "".
template <class Text, class Var>
std::string scan(std::string_view tmpl, Text &&on_text, Var &&on_var) {
  size_t i = 0;
  while (i < tmpl.size()) {
    const size_t open = tmpl.find("${", i);
    if (open == std::string_view::npos) {
      on_text(tmpl.substr(i));
      break;
    }
    on_text(tmpl.substr(i, open - i));
    const size_t close = tmpl.find('}', open);
    if (close == std::string_view::npos)
      return "unterminated '${' at offset " + std::to_string(open);
    const std::string_view var = tmpl.substr(open + 2, close - open - 2);
    if (var != "prefix" && var != "schema" && var != "table") {
      return "unknown placeholder '${" + std::string(var) +
             "}' (use ${prefix}, ${schema}, ${table})";
    }
    on_var(var);
    i = close + 1;
  }
  return "";
}

}  // namespace

std::string check_topic_template(std::string_view tmpl) {
  if (tmpl.empty()) return "must not be empty";
  return scan(
      tmpl, [](std::string_view) {}, [](std::string_view) {});
}

std::string topic_for(std::string_view tmpl, std::string_view prefix, std::string_view schema,
                      std::string_view table) {
  std::string out;
  scan(
      tmpl, [&](std::string_view t) { out.append(t); },
      [&](std::string_view var) {
        out.append(var == "prefix" ? prefix : var == "schema" ? schema : table);
      });
  return legal_topic_name(std::move(out));
}

std::string legal_topic_name(std::string name) {
  for (char &c : name) {
    if (!legal(c)) c = '_';
  }
  if (name.size() > 249) name.resize(249);
  return name;
}

}  // namespace walrelay::kafka
