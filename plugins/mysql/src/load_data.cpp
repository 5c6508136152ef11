// LOAD DATA LOCAL INFILE fed from memory: row encoding and the client's infile callbacks.
#include "load_data.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace walrelay::mysql {

void append_field(std::string &out, std::string_view bytes) {
  for (char ch : bytes) {
    switch (ch) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        out += ch;
    }
  }
}

std::string load_data_sql(const TableShape &shape) {
  std::string sql = "LOAD DATA LOCAL INFILE 'walrelay-memory' INTO TABLE " + shape.quoted +
                    " CHARACTER SET binary FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' "
                    "LINES TERMINATED BY '\\n' (";
  for (size_t i = 0; i < shape.columns.size(); ++i) {
    if (i) sql += ", ";
    sql += shape.columns[i].quoted;
  }
  return sql + ")";
}

void MemoryInfile::install(MYSQL *db, const std::string *data) {
  data_ = data;
  pos_ = 0;
  mysql_set_local_infile_handler(db, &MemoryInfile::init, &MemoryInfile::read, &MemoryInfile::end,
                                 &MemoryInfile::error, this);
}

int MemoryInfile::init(void **ptr, const char *, void *userdata) {
  auto *self = static_cast<MemoryInfile *>(userdata);
  self->pos_ = 0;
  *ptr = self;
  return self->data_ ? 0 : 1;
}

int MemoryInfile::read(void *ptr, char *buf, unsigned int len) {
  auto *self = static_cast<MemoryInfile *>(ptr);
  const size_t n = std::min<size_t>(len, self->data_->size() - self->pos_);
  std::memcpy(buf, self->data_->data() + self->pos_, n);
  self->pos_ += n;
  return static_cast<int>(n);
}

void MemoryInfile::end(void *) {}

int MemoryInfile::error(void *, char *msg, unsigned int len) {
  std::snprintf(msg, len, "walrelay: no in-memory data for LOAD DATA");
  return 1;
}

}  // namespace walrelay::mysql
