/* jsonl_sink: an example walrelay sink plugin, built out of tree against an installed SDK
 * (see README.md and docs/SDK.md "Walkthrough").
 *
 * Appends one JSON object per change, one per line, to the file named by option `path`,
 * and keeps the position it has applied in `<path>.pos`:
 *
 *   v1 <end_lsn as X/Y> <bytes of <path> that belong to applied transactions>
 *
 * apply() writes the lines, fsyncs <path>, then replaces <path>.pos (write a temporary
 * file, fsync, rename, fsync the directory). The rename is the commit point. Lines written
 * after the last rename belong to no applied transaction: load_position() cuts <path> back
 * to the recorded size before the host resends them, so a crash or a failed apply neither
 * loses nor duplicates lines.
 *
 * Plain C99 plus POSIX; talks to the host only through <walrelay/sink.h>.
 */
#define _GNU_SOURCE /* flock(), O_CLOEXEC */

#include <walrelay/sink.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------ */
/* A growable output buffer                                                               */
/* ------------------------------------------------------------------------------------ */

typedef struct buf {
  char *p;
  size_t len, cap;
  int oom; /* an allocation failed: the content is incomplete */
} buf;

static void buf_put(buf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *p;
    while (cap < b->len + n) cap *= 2;
    p = (char *)realloc(b->p, cap);
    if (p == NULL) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void buf_str(buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static void buf_printf(buf *b, const char *fmt, ...) {
  char tmp[64];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) buf_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void buf_lsn(buf *b, wr_lsn lsn) {
  buf_printf(b, "\"%" PRIX32 "/%" PRIX32 "\"", (uint32_t)(lsn >> 32), (uint32_t)lsn);
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not valid (overlong
 * forms, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  size_t len, i;
  uint32_t cp;
  if (s[0] < 0x80) return 1;
  if (s[0] >= 0xC2 && s[0] <= 0xDF) {
    len = 2;
    cp = s[0] & 0x1F;
  } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
    len = 3;
    cp = s[0] & 0x0F;
  } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
    len = 4;
    cp = s[0] & 0x07;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (i = 1; i < len; ++i) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

/* Writes s[0..n) as a JSON string. Quote, backslash and control characters are escaped,
 * valid UTF-8 passes through unchanged, each byte of an invalid sequence becomes U+FFFD.
 * Returns 1 when every byte was valid UTF-8. */
static int buf_json_string(buf *b, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, run = 0; /* bytes [i - run, i) are pending, to copy as they are */
  int valid = 1;
  buf_put(b, "\"", 1);
  while (i < n) {
    const unsigned char c = u[i];
    const char *esc = NULL;
    char hex[8];
    size_t len;
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      ++run;
      continue;
    }
    if (c >= 0x80) {
      len = utf8_seq(u + i, n - i);
      if (len > 0) {
        i += len;
        run += len;
        continue;
      }
    }
    buf_put(b, s + i - run, run);
    run = 0;
    switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\b': esc = "\\b"; break;
      case '\f': esc = "\\f"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      default:
        if (c < 0x20) {
          snprintf(hex, sizeof hex, "\\u%04x", (unsigned)c);
          esc = hex;
        } else {
          esc = "\xEF\xBF\xBD"; /* U+FFFD for a byte of invalid UTF-8 */
          valid = 0;
        }
    }
    buf_str(b, esc);
    ++i;
  }
  buf_put(b, s + i - run, run);
  buf_put(b, "\"", 1);
  return valid;
}

static void buf_json_cstr(buf *b, const char *s) {
  if (s == NULL)
    buf_str(b, "null");
  else
    buf_json_string(b, s, strlen(s));
}

/* ------------------------------------------------------------------------------------ */
/* The sink instance                                                                      */
/* ------------------------------------------------------------------------------------ */

struct wr_sink {
  const wr_host_api *host;
  wr_host_sink *hs;
  char *path;     /* the JSON lines file */
  char *pos_path; /* <path>.pos */
  char *tmp_path; /* <path>.pos.tmp */
  char *dir_path; /* directory of <path>, fsynced after the rename */
  int fd;         /* <path>, open read-write, flock()ed */
  wr_lsn position;    /* end_lsn of the last applied transaction (in <path>.pos) */
  uint64_t committed; /* size of <path> at `position` (in <path>.pos) */
  uint64_t offset;    /* where the next line goes (> committed while a txn is open) */
  int txn_open;       /* a WR_BATCH_TXN_CONTINUES piece was written, its txn goes on */
  buf out;
};

/* Reports an error through the host and returns `status`. */
static wr_status fail(wr_sink *s, wr_status status, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  s->host->set_error(s->hs, msg);
  return status;
}

static char *concat(const char *a, const char *b) {
  const size_t na = strlen(a), nb = strlen(b);
  char *r = (char *)malloc(na + nb + 1);
  if (r != NULL) {
    memcpy(r, a, na);
    memcpy(r + na, b, nb + 1);
  }
  return r;
}

static void free_sink(wr_sink *s) {
  if (s == NULL) return;
  if (s->fd >= 0) close(s->fd); /* also drops the flock */
  free(s->path);
  free(s->pos_path);
  free(s->tmp_path);
  free(s->dir_path);
  free(s->out.p);
  free(s);
}

/* Reads <path>.pos. Returns 1 when read, 0 when it does not exist, -1 on error (message
 * set). */
static int read_pos_file(wr_sink *s) {
  char text[128];
  unsigned hi, lo;
  unsigned long long bytes;
  char tail;
  ssize_t n;
  int fd = open(s->pos_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    fail(s, WR_FATAL, "cannot open %s: %s", s->pos_path, strerror(errno));
    return -1;
  }
  n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n < 0) {
    fail(s, WR_FATAL, "cannot read %s: %s", s->pos_path, strerror(errno));
    return -1;
  }
  text[n] = '\0';
  if (sscanf(text, "v1 %X/%X %llu%c", &hi, &lo, &bytes, &tail) != 4 || tail != '\n') {
    fail(s, WR_FATAL, "%s is not a jsonl position file (expected \"v1 X/Y BYTES\")",
         s->pos_path);
    return -1;
  }
  s->position = ((wr_lsn)hi << 32) | lo;
  s->committed = bytes;
  return 1;
}

/* Makes (lsn, bytes) the durable position: <path>.pos.tmp, fsync, rename, fsync dir.
 * Returns WR_OK; WR_RETRY when nothing changed on disk; WR_FATAL when the rename happened
 * but could not be made durable (a restart reads whichever file survived). */
static wr_status write_pos_file(wr_sink *s, wr_lsn lsn, uint64_t bytes) {
  char text[64];
  int fd, dfd, n, ok;
  n = snprintf(text, sizeof text, "v1 %" PRIX32 "/%" PRIX32 " %" PRIu64 "\n",
               (uint32_t)(lsn >> 32), (uint32_t)lsn, bytes);
  fd = open(s->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(s, WR_RETRY, "cannot create %s: %s", s->tmp_path, strerror(errno));
  ok = write(fd, text, (size_t)n) == n && fsync(fd) == 0;
  if (!ok) {
    const int e = errno;
    close(fd);
    unlink(s->tmp_path);
    return fail(s, WR_RETRY, "cannot write %s: %s", s->tmp_path, strerror(e));
  }
  close(fd);
  if (rename(s->tmp_path, s->pos_path) != 0)
    return fail(s, WR_RETRY, "cannot rename %s to %s: %s", s->tmp_path, s->pos_path,
                strerror(errno));
  dfd = open(s->dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || fsync(dfd) != 0) {
    const int e = errno;
    if (dfd >= 0) close(dfd);
    return fail(s, WR_FATAL, "cannot fsync directory %s: %s", s->dir_path, strerror(e));
  }
  close(dfd);
  return WR_OK;
}

/* Writes the buffered lines at `offset`. */
static wr_status flush_out(wr_sink *s) {
  size_t done = 0;
  if (s->out.oom) {
    s->out.oom = 0;
    s->out.len = 0;
    return fail(s, WR_RETRY, "out of memory formatting lines for %s", s->path);
  }
  while (done < s->out.len) {
    const ssize_t n = pwrite(s->fd, s->out.p + done, s->out.len - done, (off_t)(s->offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      s->out.len = 0;
      return fail(s, WR_RETRY, "cannot write %s: %s", s->path, strerror(errno));
    }
    done += (size_t)n;
  }
  s->offset += done;
  s->out.len = 0;
  return WR_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Formatting one change                                                                  */
/* ------------------------------------------------------------------------------------ */

/* {"col":"text",...}; with keys_only, only replica identity key columns. Columns whose
 * value is an unchanged TOAST value are left out (listed by put_unchanged). */
static wr_status put_row(wr_sink *s, const wr_relation *rel, const wr_value *values,
                         uint32_t n, int keys_only) {
  uint32_t i;
  int first = 1;
  if (rel == NULL || values == NULL || n > rel->n_columns)
    return fail(s, WR_FATAL, "change with %u values for a relation of %u columns", n,
                rel ? rel->n_columns : 0u);
  buf_put(&s->out, "{", 1);
  for (i = 0; i < n; ++i) {
    const wr_value *v = &values[i];
    if (keys_only && !(rel->columns[i].flags & WR_COLUMN_KEY)) continue;
    if (v->kind == WR_VALUE_UNCHANGED_TOAST) continue;
    if (!first) buf_put(&s->out, ",", 1);
    first = 0;
    buf_json_cstr(&s->out, rel->columns[i].name);
    buf_put(&s->out, ":", 1);
    if (v->kind == WR_VALUE_NULL) {
      buf_str(&s->out, "null");
    } else if (v->kind == WR_VALUE_TEXT) {
      buf_json_string(&s->out, v->data ? v->data : "", v->len);
    } else {
      /* Binary values only reach sinks declaring WR_CAP_BINARY_VALUES; this one does not. */
      return fail(s, WR_UNSUPPORTED, "column %s.%s.%s: value kind %u is not supported",
                  rel->schema, rel->name, rel->columns[i].name, v->kind);
    }
  }
  buf_put(&s->out, "}", 1);
  return WR_OK;
}

static void put_unchanged(wr_sink *s, const wr_relation *rel, const wr_value *values,
                          uint32_t n) {
  uint32_t i;
  int first = 1;
  for (i = 0; i < n; ++i) {
    if (values[i].kind != WR_VALUE_UNCHANGED_TOAST) continue;
    buf_str(&s->out, first ? ",\"unchanged_toast\":[" : ",");
    first = 0;
    buf_json_cstr(&s->out, rel->columns[i].name);
  }
  if (!first) buf_put(&s->out, "]", 1);
}

static wr_status put_change(wr_sink *s, const wr_txn *txn, const wr_change *c) {
  static const char *const ops[] = {"?", "insert", "update", "delete", "truncate", "message"};
  const wr_relation *rel = c->relation;
  wr_status st = WR_OK;
  if (c->struct_size < offsetof(wr_change, message_prefix))
    return fail(s, WR_FATAL, "host passed a wr_change of %u bytes", c->struct_size);
  if (c->kind < WR_CHANGE_INSERT || c->kind > WR_CHANGE_MESSAGE)
    return fail(s, WR_UNSUPPORTED, "change kind %u is not supported", c->kind);

  buf_printf(&s->out, "{\"xid\":%" PRIu32 ",\"lsn\":", txn->xid);
  buf_lsn(&s->out, c->lsn);
  buf_printf(&s->out, ",\"op\":\"%s\"", ops[c->kind]);
#ifdef WR_TXN_SNAPSHOT
  /* A row of the initial snapshot (backfill) rather than a source transaction. The field
   * was reserved (always 0) before ABI 1.1, so reading it is safe with any host. */
  if (txn->flags & WR_TXN_SNAPSHOT) buf_str(&s->out, ",\"snapshot\":true");
#endif

  switch (c->kind) {
    case WR_CHANGE_INSERT:
    case WR_CHANGE_UPDATE:
    case WR_CHANGE_DELETE:
      if (rel == NULL || rel->struct_size < offsetof(wr_relation, columns) + sizeof(void *))
        return fail(s, WR_FATAL, "row change without a usable relation");
      buf_str(&s->out, ",\"schema\":");
      buf_json_cstr(&s->out, rel->schema);
      buf_str(&s->out, ",\"table\":");
      buf_json_cstr(&s->out, rel->name);
      if (c->kind != WR_CHANGE_DELETE) {
        buf_str(&s->out, ",\"columns\":");
        if ((st = put_row(s, rel, c->new_values, c->n_new, 0)) != WR_OK) return st;
        put_unchanged(s, rel, c->new_values, c->n_new);
      }
      if (c->old_kind != WR_OLD_NONE) {
        buf_str(&s->out, ",\"old\":");
        st = put_row(s, rel, c->old_values, c->n_old, c->old_kind == WR_OLD_KEY);
        if (st != WR_OK) return st;
      }
      break;
    case WR_CHANGE_TRUNCATE: {
      uint32_t i;
      buf_str(&s->out, ",\"tables\":[");
      for (i = 0; i < c->n_truncate_relations; ++i) {
        const wr_relation *t = c->truncate_relations[i];
        buf_str(&s->out, i ? ",{\"schema\":" : "{\"schema\":");
        buf_json_cstr(&s->out, t->schema);
        buf_str(&s->out, ",\"table\":");
        buf_json_cstr(&s->out, t->name);
        buf_put(&s->out, "}", 1);
      }
      buf_printf(&s->out, "],\"cascade\":%s,\"restart_identity\":%s",
                 (c->truncate_options & WR_TRUNCATE_CASCADE) ? "true" : "false",
                 (c->truncate_options & WR_TRUNCATE_RESTART_IDENTITY) ? "true" : "false");
      break;
    }
    case WR_CHANGE_MESSAGE: {
      /* Message fields were appended in ABI 1.1: read them only when present. */
      if (!WR_HAS_FIELD(c, wr_change, message_flags))
        return fail(s, WR_UNSUPPORTED, "message change from a host without message fields");
      buf_printf(&s->out, ",\"transactional\":%s",
                 (c->message_flags & WR_MESSAGE_TRANSACTIONAL) ? "true" : "false");
      buf_str(&s->out, ",\"prefix\":");
      buf_json_cstr(&s->out, c->message_prefix);
      /* Content is arbitrary bytes: a string when it is UTF-8, else hex. */
      {
        const size_t mark = s->out.len;
        buf_str(&s->out, ",\"content\":");
        if (!buf_json_string(&s->out, c->message_content ? c->message_content : "",
                             c->message_len)) {
          uint32_t i;
          s->out.len = mark;
          buf_str(&s->out, ",\"content_hex\":\"");
          for (i = 0; i < c->message_len; ++i)
            buf_printf(&s->out, "%02x", (unsigned char)c->message_content[i]);
          buf_put(&s->out, "\"", 1);
        }
      }
      break;
    }
  }
  buf_put(&s->out, "}\n", 2);
  return WR_OK;
}

/* ------------------------------------------------------------------------------------ */
/* The vtable                                                                             */
/* ------------------------------------------------------------------------------------ */

static wr_status jsonl_create(const wr_host_api *host, wr_host_sink *hs, const char *name,
                              const wr_config *config, wr_sink **out) {
  wr_sink tmp; /* for error messages before the instance exists */
  wr_sink *s;
  const char *path = NULL;
  const char *slash;
  struct stat st;
  uint32_t i;
  int found;
  char msg[256];
  (void)name;
  memset(&tmp, 0, sizeof tmp);
  tmp.host = host;
  tmp.hs = hs;
  for (i = 0; i < config->n_entries; ++i) {
    const wr_config_entry *e = &config->entries[i];
    if (strcmp(e->key, "path") == 0 && e->value[0] != '\0')
      path = e->value;
    else if (strcmp(e->key, "path") == 0)
      return fail(&tmp, WR_INVALID_CONFIG, "option 'path' is empty (%s)", e->where);
    else
      return fail(&tmp, WR_INVALID_CONFIG, "unknown option '%s' (%s); this sink takes: path",
                  e->key, e->where);
  }
  if (path == NULL) return fail(&tmp, WR_INVALID_CONFIG, "option 'path' is required");

  s = (wr_sink *)calloc(1, sizeof *s);
  if (s == NULL) return fail(&tmp, WR_FATAL, "out of memory");
  s->host = host;
  s->hs = hs;
  s->fd = -1;
  s->path = concat(path, "");
  s->pos_path = concat(path, ".pos");
  s->tmp_path = concat(path, ".pos.tmp");
  slash = strrchr(path, '/');
  s->dir_path = slash == NULL   ? concat(".", "")
                : slash == path ? concat("/", "")
                                : concat(path, "");
  if (!s->path || !s->pos_path || !s->tmp_path || !s->dir_path) {
    free_sink(s);
    return fail(&tmp, WR_FATAL, "out of memory");
  }
  if (slash != NULL && slash != path) s->dir_path[slash - path] = '\0';

  s->fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (s->fd < 0) {
    fail(s, WR_FATAL, "cannot open %s: %s", s->path, strerror(errno));
    free_sink(s);
    return WR_FATAL;
  }
  /* Two sinks appending to one file would interleave: one writer per file. */
  if (flock(s->fd, LOCK_EX | LOCK_NB) != 0) {
    fail(s, WR_FATAL, "%s is in use by another jsonl sink (flock: %s)", s->path,
         strerror(errno));
    free_sink(s);
    return WR_FATAL;
  }
  found = read_pos_file(s);
  if (found < 0 || fstat(s->fd, &st) != 0) {
    if (found >= 0) fail(s, WR_FATAL, "cannot stat %s: %s", s->path, strerror(errno));
    free_sink(s);
    return WR_FATAL;
  }
  if (found == 0) {
    wr_status ws;
    /* A non-empty file without a position file was not written by this sink: it cannot
     * tell which lines are applied, so it does not touch it. */
    if (st.st_size > 0) {
      fail(s, WR_FATAL, "%s is not empty but %s does not exist: not a file of this sink",
           s->path, s->pos_path);
      free_sink(s);
      return WR_FATAL;
    }
    /* Record "nothing applied" before the first line, so lines without a position file
     * never exist. */
    ws = write_pos_file(s, WR_LSN_INVALID, 0);
    if (ws != WR_OK) {
      free_sink(s);
      return ws == WR_RETRY ? WR_FATAL : ws;
    }
  } else if ((uint64_t)st.st_size < s->committed) {
    fail(s, WR_FATAL, "%s has %lld bytes but %s records %" PRIu64 " applied: file truncated?",
         s->path, (long long)st.st_size, s->pos_path, s->committed);
    free_sink(s);
    return WR_FATAL;
  }
  s->offset = s->committed;
  snprintf(msg, sizeof msg, "writing %s, position %" PRIX32 "/%" PRIX32 " (%" PRIu64 " bytes)",
           s->path, (uint32_t)(s->position >> 32), (uint32_t)s->position, s->committed);
  host->log(hs, WR_LOG_INFO, msg);
  *out = s;
  return WR_OK;
}

static void jsonl_destroy(wr_sink *s) { free_sink(s); }

/* Called after create() and after every WR_RETRY: forget whatever was written past the
 * durable position (a failed batch, an open transaction), then report the position. */
static wr_status jsonl_load_position(wr_sink *s, wr_lsn *out) {
  struct stat st;
  if (fstat(s->fd, &st) != 0)
    return fail(s, WR_RETRY, "cannot stat %s: %s", s->path, strerror(errno));
  if ((uint64_t)st.st_size < s->committed)
    return fail(s, WR_FATAL, "%s shrank below its applied size %" PRIu64, s->path, s->committed);
  if ((uint64_t)st.st_size > s->committed && ftruncate(s->fd, (off_t)s->committed) != 0)
    return fail(s, WR_RETRY, "cannot truncate %s: %s", s->path, strerror(errno));
  s->offset = s->committed;
  s->txn_open = 0;
  s->out.len = 0;
  s->out.oom = 0;
  *out = s->position;
  return WR_OK;
}

static wr_status jsonl_apply(wr_sink *s, const wr_batch *b) {
  const uint32_t flags = WR_HAS_FIELD(b, wr_batch, flags) ? b->flags : 0;
  wr_status st;
  uint32_t t, i;
  if ((flags & WR_BATCH_TXN_CONTINUED) && !s->txn_open)
    return fail(s, WR_FATAL, "a continued transaction piece arrived with none open");
  if (!(flags & WR_BATCH_TXN_CONTINUED) && s->txn_open)
    return fail(s, WR_FATAL, "a new batch arrived while a transaction was open");

  for (t = 0; t < b->n_txns; ++t) {
    const wr_txn *txn = b->txns[t];
    /* Defence in depth: never write a transaction twice (the host already skips them). */
    if (!s->txn_open && txn->end_lsn <= s->position) continue;
    for (i = 0; i < txn->n_changes; ++i) {
      if ((st = put_change(s, txn, txn->changes[i])) != WR_OK) return st;
      /* Bounded memory: hand big batches to the kernel as they grow. */
      if (s->out.len >= (1u << 20) && (st = flush_out(s)) != WR_OK) return st;
    }
  }
  if ((st = flush_out(s)) != WR_OK) return st;

  if (flags & WR_BATCH_TXN_CONTINUES) { /* more of this transaction follows */
    s->txn_open = 1;
    return WR_OK;
  }
  /* Commit: the lines first, then the position that covers them. */
  if (s->offset != s->committed && fdatasync(s->fd) != 0)
    return fail(s, WR_RETRY, "cannot fsync %s: %s", s->path, strerror(errno));
  if ((st = write_pos_file(s, b->end_lsn, s->offset)) != WR_OK) return st;
  s->position = b->end_lsn;
  s->committed = s->offset;
  s->txn_open = 0;
  return WR_OK;
}

/* ------------------------------------------------------------------------------------ */
/* What the host sees                                                                     */
/* ------------------------------------------------------------------------------------ */

static const wr_option kOptions[] = {
    {"path", WR_OPT_STRING, 1, NULL,
     "file the JSON lines are appended to; the applied position is kept in <path>.pos"},
};

static const wr_sink_vtable kVtable = {
    sizeof(wr_sink_vtable), 0, jsonl_create, jsonl_destroy, jsonl_load_position, jsonl_apply,
};

static const wr_plugin kPlugin = {
    sizeof(wr_plugin),
    WR_SINK_ABI_VERSION,
    "jsonl",
    "0.1.0",
    "example: one JSON line per change in a file, exactly once (position in <path>.pos)",
    WR_CAP_TRANSACTIONAL | WR_CAP_TRUNCATE | WR_CAP_SCHEMA_CHANGE | WR_CAP_PARTIAL_TXN |
        WR_CAP_MESSAGES,
    sizeof kOptions / sizeof kOptions[0],
    0,
    kOptions,
    &kVtable,
};

WR_SINK_EXPORT const wr_plugin *walrelay_sink_entry(const wr_host_api *host) {
  /* This plugin is built for ABI 1 (WR_SINK_ABI_VERSION of the SDK it was compiled with). */
  if (host->abi_min > WR_SINK_ABI_VERSION || host->abi_max < WR_SINK_ABI_VERSION) {
    host->set_error(NULL, "jsonl sink speaks sink ABI 1 only");
    return NULL;
  }
  return &kPlugin;
}
