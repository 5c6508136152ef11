// MySQL sink on MariaDB: runs every mysql_sink test once per server sql_mode (sink_fixture.h).
#include "tests/plugins/mysql/sink_fixture.h"

namespace wrmysql {
namespace {

WRMYSQL_INSTANTIATE_SQL_MODES();

}  // namespace
}  // namespace wrmysql
