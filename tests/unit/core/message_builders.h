// Hand-built pgoutput messages for builder and spool tests (shapes as the decoder emits).
#pragma once

#include <string_view>
#include <vector>

#include "core/pgoutput/messages.h"

namespace walrelay::testmsg {

using pgoutput::Message;
using pgoutput::MessageType;

inline Message relation(uint32_t id, std::vector<std::string_view> cols) {
  Message m;
  m.type = MessageType::Relation;
  m.relation.relation_id = id;
  m.relation.schema = "public";
  m.relation.name = "t";
  m.relation.replica_identity = 'd';
  for (size_t i = 0; i < cols.size(); ++i)
    m.relation.columns.push_back({static_cast<uint8_t>(i == 0 ? 1 : 0), cols[i], 23, -1});
  return m;
}

inline Message begin(uint32_t xid, uint64_t final_lsn) {
  Message m;
  m.type = MessageType::Begin;
  m.begin = {final_lsn, 0, xid};
  return m;
}

inline Message commit(uint64_t commit_lsn, uint64_t end_lsn) {
  Message m;
  m.type = MessageType::Commit;
  m.commit = {0, commit_lsn, end_lsn, 1000000};
  return m;
}

inline Message insert(uint32_t rel, std::vector<pgoutput::ColumnValue> vals) {
  Message m;
  m.type = MessageType::Insert;
  m.insert.relation_id = rel;
  m.insert.new_tuple.columns = std::move(vals);
  return m;
}


}  // namespace walrelay::testmsg
