// Topic names: expansion of topic_template and Kafka's legal topic characters.
#pragma once

#include <string>
#include <string_view>

namespace walrelay::kafka {

/// "" when `tmpl` only uses the placeholders ${prefix}, ${schema} and ${table}, else
/// a message naming the first bad placeholder.
std::string check_topic_template(std::string_view tmpl);

/// Expands `tmpl` (checked with check_topic_template) for one table, then replaces every
/// character Kafka does not allow in topic names (anything but [A-Za-z0-9._-]) with '_',
/// as Debezium does, and cuts the result at 249 characters.
std::string topic_for(std::string_view tmpl, std::string_view prefix, std::string_view schema,
                      std::string_view table);

/// `name` with every character Kafka does not allow in topic names replaced by '_', cut
/// at 249 characters (what topic_for does after expanding).
std::string legal_topic_name(std::string name);

}  // namespace walrelay::kafka
