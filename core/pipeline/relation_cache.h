// Relation descriptors per relation id, built from pgoutput Relation and Type messages.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/pgoutput/messages.h"

namespace walrelay {

/// An immutable relation descriptor in ABI form (wr_relation) plus the storage behind it.
/// Shared by every transaction that references it; a changed relation gets a new object
/// with a higher generation, so transactions in flight keep the shape they were decoded
/// with.
class RelationDesc {
 public:
  RelationDesc(const pgoutput::Relation &msg, uint32_t generation,
               const std::unordered_map<uint32_t, std::pair<std::string, std::string>> &types);
  RelationDesc(const RelationDesc &) = delete;
  RelationDesc &operator=(const RelationDesc &) = delete;

  const wr_relation *abi() const { return &rel_; }
  uint32_t id() const { return rel_.relation_id; }
  uint32_t generation() const { return rel_.generation; }
  const std::string &qualified_name() const { return qualified_; }
  /// True when `msg` describes exactly this shape (names, types, flags, identity).
  bool same_shape(const pgoutput::Relation &msg) const;
  /// True when `other` has exactly this shape (its generation aside).
  bool same_shape(const RelationDesc &other) const;
  /// The same shape under another generation number.
  std::shared_ptr<const RelationDesc> renumbered(uint32_t generation) const;

 private:
  std::string schema_, name_, qualified_;
  std::vector<std::string> col_names_;
  std::vector<std::string> type_names_;  // "schema\0name" pairs flattened: [2*i], [2*i+1]
  std::vector<wr_column> columns_;
  wr_relation rel_{};

  /// This descriptor as the Relation message it came from, and its type names by OID.
  pgoutput::Relation as_message(
      std::unordered_map<uint32_t, std::pair<std::string, std::string>> &types) const;
};

/// Maps relation id -> current descriptor. Only the source thread touches it.
class RelationCache {
 public:
  /// Applies a Relation message; returns the current descriptor (the same object when the
  /// shape did not change, else a new generation).
  std::shared_ptr<const RelationDesc> update(const pgoutput::Relation &msg);
  /// Records a Type message (custom type names for later Relation messages).
  void update_type(const pgoutput::Type &msg);
  /// The descriptor for `relation_id`, or nullptr when no Relation message was seen.
  const std::shared_ptr<const RelationDesc> *find(uint32_t relation_id) const;
  /// Forgets everything (a new replication session re-sends Relation messages).
  void clear() { relations_.clear(); }

 private:
  std::unordered_map<uint32_t, std::shared_ptr<const RelationDesc>> relations_;
  std::unordered_map<uint32_t, uint32_t> generations_;  // survives clear()
  std::unordered_map<uint32_t, std::pair<std::string, std::string>> types_;
};

}  // namespace walrelay
