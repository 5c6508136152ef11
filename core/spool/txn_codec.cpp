// Spool record payloads for relations and transactions (layouts in txn_codec.h).
#include "core/spool/txn_codec.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/spool/spool.h"

namespace walrelay::spool {

namespace {

constexpr uint32_t kNullString = 0xFFFFFFFFu;

// ---- writing --------------------------------------------------------------------------

template <class T>
void put(std::string &out, T v) {
  static_assert(std::is_integral_v<T>);
  char b[sizeof(T)];
  auto u = static_cast<std::make_unsigned_t<T>>(v);
  for (size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<char>((u >> (8 * i)) & 0xFF);
  out.append(b, sizeof(T));
}

void put_bytes(std::string &out, const char *p, size_t n) {
  put<uint32_t>(out, static_cast<uint32_t>(n));
  out.append(p, n);
}

void put_str(std::string &out, const char *s) {
  if (s == nullptr) return put<uint32_t>(out, kNullString);
  put_bytes(out, s, std::strlen(s));
}

void put_header(std::string &out, const TxnHeader &h) {
  put<uint32_t>(out, h.xid);
  put<uint64_t>(out, h.commit_lsn);
  put<uint64_t>(out, h.end_lsn);
  put<int64_t>(out, h.commit_time_us);
  put_bytes(out, h.origin.data(), h.origin.size());
}

void put_tuple(std::string &out, const wr_value *v, uint32_t n) {
  put<uint16_t>(out, static_cast<uint16_t>(n));
  for (uint32_t i = 0; i < n; ++i) {
    out.push_back(static_cast<char>(v[i].kind));
    if (v[i].kind == WR_VALUE_TEXT || v[i].kind == WR_VALUE_BINARY)
      put_bytes(out, v[i].data, v[i].len);
  }
}

void put_rel(std::string &out, const wr_relation *r) {
  put<uint32_t>(out, r->relation_id);
  put<uint32_t>(out, r->generation);
}

void put_change(std::string &out, const wr_change &c) {
  out.push_back(static_cast<char>(c.kind));
  put<uint64_t>(out, c.lsn);
  switch (c.kind) {
    case WR_CHANGE_INSERT:
    case WR_CHANGE_UPDATE:
    case WR_CHANGE_DELETE:
      put_rel(out, c.relation);
      out.push_back(static_cast<char>(c.old_kind));
      if (c.kind == WR_CHANGE_DELETE || c.old_kind != WR_OLD_NONE)
        put_tuple(out, c.old_values, c.n_old);
      if (c.kind != WR_CHANGE_DELETE) put_tuple(out, c.new_values, c.n_new);
      break;
    case WR_CHANGE_TRUNCATE:
      put<uint32_t>(out, c.truncate_options);
      put<uint32_t>(out, c.n_truncate_relations);
      for (uint32_t i = 0; i < c.n_truncate_relations; ++i) put_rel(out, c.truncate_relations[i]);
      break;
    case WR_CHANGE_MESSAGE:
      put<uint32_t>(out, c.message_flags);
      put_str(out, c.message_prefix);
      put_bytes(out, c.message_content ? c.message_content : "", c.message_len);
      break;
    default:
      throw SpoolError("spool: cannot encode a change of kind " + std::to_string(c.kind));
  }
}

// ---- reading --------------------------------------------------------------------------

/// Bounds-checked cursor over a payload.
class In {
 public:
  explicit In(std::string_view p) : p_(p) {}

  template <class T>
  T get() {
    need(sizeof(T), "integer");
    std::make_unsigned_t<T> u = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
      u |= static_cast<std::make_unsigned_t<T>>(static_cast<unsigned char>(p_[pos_ + i]))
           << (8 * i);
    pos_ += sizeof(T);
    return static_cast<T>(u);
  }
  uint8_t byte() { return get<uint8_t>(); }
  /// A string; `null` tells whether it was NULL.
  std::string_view str(bool *null = nullptr) {
    const uint32_t n = get<uint32_t>();
    if (null) *null = n == kNullString;
    if (n == kNullString) return {};
    need(n, "string");
    std::string_view s = p_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  size_t left() const { return p_.size() - pos_; }
  void need(size_t n, const char *what) const {
    if (n > left())
      throw SpoolError(std::string("spool: corrupt record: ") + what + " of " + std::to_string(n) +
                       " bytes runs past the end (" + std::to_string(left()) + " left)");
  }
  void done() const {
    if (left() != 0)
      throw SpoolError("spool: corrupt record: " + std::to_string(left()) + " trailing bytes");
  }

 private:
  std::string_view p_;
  size_t pos_ = 0;
};

[[noreturn]] void corrupt(const std::string &what) {
  throw SpoolError("spool: corrupt record: " + what);
}

TxnHeader get_header(In &in) {
  TxnHeader h;
  h.xid = in.get<uint32_t>();
  h.commit_lsn = in.get<uint64_t>();
  h.end_lsn = in.get<uint64_t>();
  h.commit_time_us = in.get<int64_t>();
  h.origin = std::string(in.str());
  return h;
}

// The relation a change names; kept alive by the transaction (the map entry may be
// replaced by a later announcement while the transaction waits in a batch).
const RelationDesc &find_rel(In &in, const RelationMap &rels, Transaction &txn) {
  const uint32_t id = in.get<uint32_t>(), gen = in.get<uint32_t>();
  auto it = rels.find({id, gen});
  if (it == rels.end())
    corrupt("change refers to relation id " + std::to_string(id) + " generation " +
            std::to_string(gen) + " that no earlier relation record describes");
  auto &keep = txn.relations;
  if (keep.empty() || keep.back() != it->second) {
    if (std::find(keep.begin(), keep.end(), it->second) == keep.end()) keep.push_back(it->second);
  }
  return *it->second;
}

const wr_value *get_tuple(In &in, const RelationDesc &rel, Arena &arena) {
  const uint16_t n = in.get<uint16_t>();
  if (n != rel.abi()->n_columns)
    corrupt("tuple of " + std::to_string(n) + " values for " + rel.qualified_name() +
            " which has " + std::to_string(rel.abi()->n_columns) + " columns");
  auto *vals = arena.allocate_array<wr_value>(n);
  for (uint16_t i = 0; i < n; ++i) {
    const uint8_t kind = in.byte();
    if (kind > WR_VALUE_BINARY) corrupt("value kind " + std::to_string(kind));
    vals[i].kind = kind;
    if (kind == WR_VALUE_TEXT || kind == WR_VALUE_BINARY) {
      const std::string_view s = in.str();
      vals[i].len = static_cast<uint32_t>(s.size());
      vals[i].data = s.data();
    } else {
      vals[i].len = 0;
      vals[i].data = nullptr;
    }
  }
  return vals;
}

// One change; nullptr when it is a message that is left out.
wr_change *get_change(In &in, const RelationMap &rels, bool messages, Transaction &txn) {
  Arena &arena = txn.arena;
  const uint8_t kind = in.byte();
  const uint64_t lsn = in.get<uint64_t>();
  auto *c = arena.allocate_array<wr_change>(1);
  *c = wr_change{};
  c->struct_size = sizeof(wr_change);
  c->kind = kind;
  c->lsn = lsn;
  switch (kind) {
    case WR_CHANGE_INSERT:
    case WR_CHANGE_UPDATE:
    case WR_CHANGE_DELETE: {
      const RelationDesc &rel = find_rel(in, rels, txn);
      c->relation = rel.abi();
      c->old_kind = in.byte();
      if (c->old_kind > WR_OLD_FULL || (kind == WR_CHANGE_DELETE && c->old_kind == WR_OLD_NONE) ||
          (kind == WR_CHANGE_INSERT && c->old_kind != WR_OLD_NONE))
        corrupt("old tuple kind " + std::to_string(c->old_kind) + " on a change of kind " +
                std::to_string(kind));
      if (c->old_kind != WR_OLD_NONE) {
        c->old_values = get_tuple(in, rel, arena);
        c->n_old = rel.abi()->n_columns;
      }
      if (kind != WR_CHANGE_DELETE) {
        c->new_values = get_tuple(in, rel, arena);
        c->n_new = rel.abi()->n_columns;
      }
      return c;
    }
    case WR_CHANGE_TRUNCATE: {
      c->truncate_options = in.get<uint32_t>();
      const uint32_t n = in.get<uint32_t>();
      in.need(static_cast<size_t>(n) * 8, "truncate relation list");
      auto **list = arena.allocate_array<const wr_relation *>(n);
      for (uint32_t i = 0; i < n; ++i) list[i] = find_rel(in, rels, txn).abi();
      c->n_truncate_relations = n;
      c->truncate_relations = list;
      return c;
    }
    case WR_CHANGE_MESSAGE: {
      c->message_flags = in.get<uint32_t>();
      bool null = false;
      const std::string_view prefix = in.str(&null);
      const std::string_view content = in.str();
      if (!messages) return nullptr;
      c->message_prefix = null ? nullptr : arena.copy_cstr(prefix);
      c->message_content = content.data();
      c->message_len = static_cast<uint32_t>(content.size());
      return c;
    }
    default:
      corrupt("change kind " + std::to_string(kind));
  }
}

}  // namespace

RecordType record_type(std::string_view payload);

namespace {
// The payload after its type byte, which must be `type`.
std::string_view body(std::string_view payload, RecordType type) {
  if (record_type(payload) != type)
    corrupt(std::string("expected a '") + static_cast<char>(type) + "' record, found '" +
            payload[0] + "'");
  return payload.substr(1);
}
}  // namespace

void RelationRegistry::add(const std::shared_ptr<const RelationDesc> &d) {
  const uint32_t id = d->id();
  auto &cur = current_[id];
  if (!cur || !cur->same_shape(*d)) {
    const uint32_t gen = ++generation_[id];
    cur = gen == d->generation() ? d : d->renumbered(gen);
  }
  by_key_[{id, d->generation()}] = cur;
}

RecordType record_type(std::string_view payload) {
  if (payload.empty()) corrupt("empty payload");
  switch (payload[0]) {
    case 'R':
    case 'T':
    case 'E':
    case 'C':
    case 'P':
    case 'X':
      return static_cast<RecordType>(payload[0]);
    default:
      corrupt(std::string("unknown record type byte ") +
              std::to_string(static_cast<unsigned char>(payload[0])));
  }
}

void encode_relation(const wr_relation &rel, std::string &out) {
  out.push_back(static_cast<char>(RecordType::kRelation));
  put<uint32_t>(out, rel.relation_id);
  put<uint32_t>(out, rel.generation);
  out.push_back(static_cast<char>(rel.replica_identity));
  put_str(out, rel.schema);
  put_str(out, rel.name);
  put<uint16_t>(out, static_cast<uint16_t>(rel.n_columns));
  for (uint32_t i = 0; i < rel.n_columns; ++i) {
    const wr_column &c = rel.columns[i];
    out.push_back(static_cast<char>(c.flags));
    put_str(out, c.name);
    put<uint32_t>(out, c.type_oid);
    put<int32_t>(out, c.typmod);
    put_str(out, c.type_schema);
    put_str(out, c.type_name);
  }
}

void encode_txn(const Transaction &txn, std::string &out) {
  out.push_back(static_cast<char>(RecordType::kTxn));
  TxnHeader h{txn.abi.xid, txn.abi.commit_lsn, txn.abi.end_lsn, txn.abi.commit_time_us, txn.origin};
  put_header(out, h);
  put<uint32_t>(out, static_cast<uint32_t>(txn.change_ptrs.size()));
  for (const wr_change *c : txn.change_ptrs) put_change(out, *c);
}

void encode_chunk(const Transaction &txn, size_t from, size_t to, const uint32_t *subxids,
                  std::string &out) {
  out.push_back(static_cast<char>(RecordType::kChunk));
  out.push_back(subxids ? 1 : 0);
  put<uint32_t>(out, static_cast<uint32_t>(to - from));
  for (size_t i = from; i < to; ++i) {
    if (subxids) put<uint32_t>(out, subxids[i]);
    put_change(out, *txn.change_ptrs[i]);
  }
}

void encode_txn_ref(const TxnRef &ref, RecordType type, std::string &out) {
  out.push_back(static_cast<char>(type));
  if (type == RecordType::kPrepared) {
    put<uint64_t>(out, ref.serial);
    put_bytes(out, ref.gid.data(), ref.gid.size());
    put_header(out, ref.header);
  } else {
    put_header(out, ref.header);
    put<uint64_t>(out, ref.serial);
    put<uint64_t>(out, ref.n_changes);
  }
  put<uint32_t>(out, static_cast<uint32_t>(ref.aborted.size()));
  for (uint32_t x : ref.aborted) put<uint32_t>(out, x);
}

void encode_finished(std::string_view gid, std::string &out) {
  out.push_back(static_cast<char>(RecordType::kFinished));
  put_bytes(out, gid.data(), gid.size());
}

std::shared_ptr<const RelationDesc> decode_relation(std::string_view payload) {
  In in(body(payload, RecordType::kRelation));
  pgoutput::Relation msg;
  msg.relation_id = in.get<uint32_t>();
  const uint32_t gen = in.get<uint32_t>();
  msg.replica_identity = static_cast<char>(in.byte());
  msg.schema = in.str();
  msg.name = in.str();
  const uint16_t n = in.get<uint16_t>();
  std::unordered_map<uint32_t, std::pair<std::string, std::string>> types;
  msg.columns.resize(n);
  for (uint16_t i = 0; i < n; ++i) {
    auto &c = msg.columns[i];
    c.flags = in.byte();
    c.name = in.str();
    c.type_oid = in.get<uint32_t>();
    c.typmod = in.get<int32_t>();
    bool null_schema = false, null_name = false;
    const std::string_view ts = in.str(&null_schema), tn = in.str(&null_name);
    if (!null_schema && !null_name) types[c.type_oid] = {std::string(ts), std::string(tn)};
  }
  in.done();
  if (gen == 0) corrupt("relation generation 0");
  return std::make_shared<const RelationDesc>(msg, gen, types);
}

TxnHeader decode_txn_header(std::string_view payload) {
  In in(body(payload, RecordType::kTxn));
  return get_header(in);
}

TxnRef decode_txn_ref(std::string_view payload) {
  const RecordType type = record_type(payload);
  In in(payload.substr(1));
  TxnRef ref;
  if (type == RecordType::kPrepared) {
    ref.serial = in.get<uint64_t>();
    ref.gid = std::string(in.str());
    ref.header = get_header(in);
  } else {
    ref.header = get_header(in);
    ref.serial = in.get<uint64_t>();
    ref.n_changes = in.get<uint64_t>();
  }
  const uint32_t n = in.get<uint32_t>();
  in.need(static_cast<size_t>(n) * 4, "aborted subtransaction list");
  ref.aborted.resize(n);
  for (uint32_t i = 0; i < n; ++i) ref.aborted[i] = in.get<uint32_t>();
  std::sort(ref.aborted.begin(), ref.aborted.end());
  in.done();
  return ref;
}

std::string decode_finished(std::string_view payload) {
  In in(body(payload, RecordType::kFinished));
  std::string gid(in.str());
  in.done();
  return gid;
}

void set_header(const TxnHeader &h, Transaction &txn) {
  wr_txn &t = txn.abi;
  t.struct_size = sizeof(wr_txn);
  t.xid = h.xid;
  t.commit_lsn = h.commit_lsn;
  t.end_lsn = h.end_lsn;
  t.commit_time_us = h.commit_time_us;
  // Only initial-snapshot transactions have no commit record (see WR_TXN_SNAPSHOT).
  t.flags = h.commit_lsn == 0 ? WR_TXN_SNAPSHOT : 0;
  txn.origin = h.origin;
  t.origin = txn.origin.empty() ? nullptr : txn.origin.c_str();
  t.n_changes = static_cast<uint32_t>(txn.change_ptrs.size());
  t.changes = txn.change_ptrs.data();
}

namespace {

// True when `c` is to be left out under `skips` (see SnapshotSkips); trims a TRUNCATE's
// relation list in place (it lives in the transaction's arena).
bool skipped(wr_change &c, const SnapshotSkips &skips, uint64_t commit_lsn) {
  auto covers = [&](const wr_relation *r) {
    auto it = skips.find(r->relation_id);
    return it != skips.end() && commit_lsn < it->second;
  };
  if (c.kind == WR_CHANGE_TRUNCATE) {
    auto **rels = const_cast<const wr_relation **>(c.truncate_relations);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < c.n_truncate_relations; ++i)
      if (!covers(rels[i])) rels[kept++] = rels[i];
    c.n_truncate_relations = kept;
    return kept == 0;
  }
  return c.relation != nullptr && covers(c.relation);
}

}  // namespace

size_t decode_changes(std::string_view payload, const RelationMap &relations,
                      const std::vector<uint32_t> &aborted, bool messages, Transaction &txn,
                      const SnapshotSkips *skips, uint64_t commit_lsn) {
  const RecordType type = record_type(payload);
  In in(payload.substr(1));
  bool has_subxids = false;
  TxnHeader header;
  if (type == RecordType::kTxn) {
    header = get_header(in);
    commit_lsn = header.commit_lsn;
  } else if (type == RecordType::kChunk) {
    has_subxids = in.byte() != 0;
  } else {
    corrupt(std::string("record type '") + static_cast<char>(type) + "' holds no changes");
  }
  const uint32_t n = in.get<uint32_t>();
  in.need(n, "change list");  // every change takes at least one byte
  size_t added = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t subxid = has_subxids ? in.get<uint32_t>() : 0;
    wr_change *c = get_change(in, relations, messages, txn);
    if (c == nullptr) continue;
    if (has_subxids && std::binary_search(aborted.begin(), aborted.end(), subxid)) continue;
    if (skips && commit_lsn != 0 && !skips->empty() && skipped(*c, *skips, commit_lsn)) continue;
    txn.change_ptrs.push_back(c);
    ++added;
  }
  in.done();
  if (type == RecordType::kTxn)
    set_header(header, txn);
  else {
    txn.abi.n_changes = static_cast<uint32_t>(txn.change_ptrs.size());
    txn.abi.changes = txn.change_ptrs.data();
  }
  return added;
}

}  // namespace walrelay::spool
