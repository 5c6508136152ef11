// Relation descriptor construction and caching.
#include "core/pipeline/relation_cache.h"

namespace walrelay {

RelationDesc::RelationDesc(
    const pgoutput::Relation &msg, uint32_t generation,
    const std::unordered_map<uint32_t, std::pair<std::string, std::string>> &types)
    : schema_(msg.schema), name_(msg.name), qualified_(schema_ + "." + name_) {
  const size_t n = msg.columns.size();
  col_names_.reserve(n);
  type_names_.reserve(2 * n);
  columns_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const auto &c = msg.columns[i];
    col_names_.emplace_back(c.name);
    auto t = types.find(c.type_oid);
    type_names_.push_back(t != types.end() ? t->second.first : std::string());
    type_names_.push_back(t != types.end() ? t->second.second : std::string());
  }
  for (size_t i = 0; i < n; ++i) {
    const auto &c = msg.columns[i];
    wr_column &col = columns_[i];
    col.name = col_names_[i].c_str();
    col.type_oid = c.type_oid;
    col.typmod = c.typmod;
    col.flags = (c.flags & 1u) ? WR_COLUMN_KEY : 0u;
    const bool typed = types.count(c.type_oid) != 0;
    col.type_schema = typed ? type_names_[2 * i].c_str() : nullptr;
    col.type_name = typed ? type_names_[2 * i + 1].c_str() : nullptr;
  }
  rel_.struct_size = sizeof(wr_relation);
  rel_.relation_id = msg.relation_id;
  rel_.generation = generation;
  rel_.replica_identity = msg.replica_identity;
  rel_.schema = schema_.c_str();
  rel_.name = name_.c_str();
  rel_.n_columns = static_cast<uint32_t>(n);
  rel_.columns = columns_.data();
}

bool RelationDesc::same_shape(const pgoutput::Relation &msg) const {
  if (msg.schema != schema_ || msg.name != name_ ||
      msg.replica_identity != static_cast<char>(rel_.replica_identity) ||
      msg.columns.size() != columns_.size())
    return false;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const auto &c = msg.columns[i];
    if (c.name != col_names_[i] || c.type_oid != columns_[i].type_oid ||
        c.typmod != columns_[i].typmod ||
        ((c.flags & 1u) ? WR_COLUMN_KEY : 0u) != columns_[i].flags)
      return false;
  }
  return true;
}

pgoutput::Relation RelationDesc::as_message(
    std::unordered_map<uint32_t, std::pair<std::string, std::string>> &types) const {
  pgoutput::Relation msg;
  msg.relation_id = rel_.relation_id;
  msg.schema = schema_;
  msg.name = name_;
  msg.replica_identity = static_cast<char>(rel_.replica_identity);
  msg.columns.resize(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    const wr_column &c = columns_[i];
    msg.columns[i] = {static_cast<uint8_t>((c.flags & WR_COLUMN_KEY) ? 1 : 0), col_names_[i],
                      c.type_oid, c.typmod};
    if (c.type_schema) types[c.type_oid] = {type_names_[2 * i], type_names_[2 * i + 1]};
  }
  return msg;
}

bool RelationDesc::same_shape(const RelationDesc &other) const {
  std::unordered_map<uint32_t, std::pair<std::string, std::string>> types;
  return same_shape(other.as_message(types));
}

std::shared_ptr<const RelationDesc> RelationDesc::renumbered(uint32_t generation) const {
  std::unordered_map<uint32_t, std::pair<std::string, std::string>> types;
  const pgoutput::Relation msg = as_message(types);
  return std::make_shared<const RelationDesc>(msg, generation, types);
}

std::shared_ptr<const RelationDesc> RelationCache::update(const pgoutput::Relation &msg) {
  auto it = relations_.find(msg.relation_id);
  if (it != relations_.end() && it->second->same_shape(msg)) return it->second;
  // New or changed shape: a new generation. After a reconnect (clear()) an unchanged
  // relation also gets one; sinks then merely re-check their table.
  const uint32_t gen = ++generations_[msg.relation_id];
  auto desc = std::make_shared<const RelationDesc>(msg, gen, types_);
  relations_[msg.relation_id] = desc;
  return desc;
}

void RelationCache::update_type(const pgoutput::Type &msg) {
  types_[msg.type_oid] = {std::string(msg.schema), std::string(msg.name)};
}

const std::shared_ptr<const RelationDesc> *RelationCache::find(uint32_t relation_id) const {
  auto it = relations_.find(relation_id);
  return it == relations_.end() ? nullptr : &it->second;
}

}  // namespace walrelay
