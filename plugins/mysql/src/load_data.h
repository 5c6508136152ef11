// LOAD DATA LOCAL INFILE fed from memory: row encoding and the client's infile callbacks.
#pragma once

#include <mysql.h>

#include <string>
#include <string_view>

#include "table_shape.h"

namespace walrelay::mysql {

/// Appends `bytes` as one LOAD DATA field (ESCAPED BY '\\'): backslash, tab, newline,
/// carriage return and NUL are escaped, every other byte is copied.
void append_field(std::string &out, std::string_view bytes);

/// Appends the NULL marker (\N).
inline void append_null(std::string &out) { out += "\\N"; }

/// The LOAD DATA statement for `shape`: all columns, tab-separated, newline-terminated,
/// CHARACTER SET binary (bytes go into the columns unconverted; text is already UTF-8).
/// Relies on the sink's session sql_mode (backslash escapes in string literals).
std::string load_data_sql(const TableShape &shape);

/// Serves one in-memory buffer to the client library as the "file" of LOAD DATA LOCAL.
/// Install with install() right before the statement; `data` must outlive it.
class MemoryInfile {
 public:
  /// Registers the callbacks on `db`, serving `data` from its start.
  void install(MYSQL *db, const std::string *data);

 private:
  static int init(void **ptr, const char *filename, void *userdata);
  static int read(void *ptr, char *buf, unsigned int len);
  static void end(void *ptr);
  static int error(void *ptr, char *msg, unsigned int len);

  const std::string *data_ = nullptr;
  size_t pos_ = 0;
};

}  // namespace walrelay::mysql
