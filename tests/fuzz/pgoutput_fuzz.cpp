// libFuzzer target for the pgoutput decoder: sequences of messages through one Decoder.
//
// Build (from the repository root; needs clang and libclang-rt-14-dev):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined \
//     -fno-sanitize-recover=undefined -I. core/pgoutput/*.cpp tests/fuzz/pgoutput_fuzz.cpp \
//     -o /tmp/pgoutput_fuzz
// Seed corpus from the captured PostgreSQL bytes (one seed per captured file, one per message):
//   python3 - /tmp/pgoutput_corpus <<'PY'
//   import os, sys, glob, struct
//   out = sys.argv[1]; os.makedirs(out, exist_ok=True)
//   vers = {'stream_v2': 2, 'twophase_v3': 3}
//   for f in glob.glob('tests/data/pgoutput/*.hex'):
//       name = os.path.basename(f)[:-4]; v = vers.get(name, 1)
//       msgs = [bytes.fromhex(l.split('\t')[2].strip()) for l in open(f) if l.strip()]
//       whole = bytes([v - 1]) + b''.join(struct.pack('>H', len(m)) + m for m in msgs[:200])
//       open(f'{out}/{name}', 'wb').write(whole)
//       for i, m in enumerate(msgs[:40]):
//           open(f'{out}/{name}-{i}', 'wb').write(bytes([v - 1]) + struct.pack('>H', len(m)) + m)
//   PY
// Run:
//   /tmp/pgoutput_fuzz -max_total_time=60 -max_len=4096 /tmp/pgoutput_corpus
//
// Input format: byte 0 selects the protocol version (1 + byte % 4); then frames of
// [Int16 big-endian length][message bytes] (a short last frame takes what is left). Every
// frame is copied into an exactly-sized heap buffer, so ASan flags any read past the message,
// and is decoded by the same Decoder (stream state carries over). A DecodeError is expected
// for bad input; any other exception, crash, sanitizer report, or a decoded view pointing
// outside the message traps.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/pgoutput/decoder.h"

using walrelay::pgoutput::DecodeError;
using walrelay::pgoutput::Decoder;
using walrelay::pgoutput::Message;
using walrelay::pgoutput::MessageType;
using walrelay::pgoutput::TupleData;

namespace {

const uint8_t *g_begin = nullptr;
const uint8_t *g_end = nullptr;
volatile unsigned g_sink = 0;

// Each view must lie inside the message (or be pgoutput's "pg_catalog" shorthand); reading
// every byte lets ASan check it.
void touch(std::string_view s) {
  if (s.empty()) return;
  const auto *p = reinterpret_cast<const uint8_t *>(s.data());
  if ((p < g_begin || p + s.size() > g_end) && s != "pg_catalog") __builtin_trap();
  unsigned acc = 0;
  for (char c : s) acc += static_cast<unsigned char>(c);
  g_sink = g_sink + acc;
}

void touch(const TupleData &t) {
  for (const auto &c : t.columns) {
    if (c.kind != 'n' && c.kind != 'u' && c.kind != 't' && c.kind != 'b') __builtin_trap();
    touch(c.data);
  }
}

void touch(const Message &m) {
  switch (m.type) {
    case MessageType::Origin:
      touch(m.origin.name);
      break;
    case MessageType::Relation:
      touch(m.relation.schema);
      touch(m.relation.name);
      for (const auto &c : m.relation.columns) touch(c.name);
      break;
    case MessageType::Type:
      touch(m.type_msg.schema);
      touch(m.type_msg.name);
      break;
    case MessageType::Insert:
      touch(m.insert.new_tuple);
      break;
    case MessageType::Update:
      touch(m.update.old_tuple);
      touch(m.update.new_tuple);
      break;
    case MessageType::Delete:
      touch(m.del.old_tuple);
      break;
    case MessageType::Truncate:
      g_sink = g_sink + static_cast<unsigned>(m.truncate.relation_ids.size());
      break;
    case MessageType::LogicalMessage:
      touch(m.logical_message.prefix);
      touch(m.logical_message.content);
      break;
    case MessageType::BeginPrepare:
      touch(m.begin_prepare.gid);
      break;
    case MessageType::Prepare:
      touch(m.prepare.gid);
      break;
    case MessageType::StreamPrepare:
      touch(m.stream_prepare.gid);
      break;
    case MessageType::CommitPrepared:
      touch(m.commit_prepared.gid);
      break;
    case MessageType::RollbackPrepared:
      touch(m.rollback_prepared.gid);
      break;
    default:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  Decoder decoder(1 + data[0] % 4);
  size_t pos = 1;
  std::vector<uint8_t> msg;
  while (pos < size) {
    size_t len = size - pos;  // a lone last byte is a 1-byte message
    if (len >= 2) {
      len = (static_cast<size_t>(data[pos]) << 8) | data[pos + 1];
      pos += 2;
      if (len > size - pos) len = size - pos;
    }
    // Exactly-sized heap copy: any over-read is a heap-buffer-overflow.
    msg.assign(data + pos, data + pos + len);
    msg.shrink_to_fit();
    pos += len;
    g_begin = msg.data();
    g_end = msg.data() + msg.size();
    try {
      const Message &m = decoder.decode(msg.data(), msg.size(), 0x16B374D848);
      touch(m);
    } catch (const DecodeError &) {
    }
  }
  return 0;
}
