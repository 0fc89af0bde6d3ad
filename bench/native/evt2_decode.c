/*
 * Native EVT 2.0 decoder: the same-run baseline for the JS decoder benchmark (bench/decode.ts).
 * Written for neurite's bench from the format description in event-formats.md section 1.5;
 * run.ts compiles it with `cc -O2` into os.tmpdir() at bench time and runs it on the same file.
 *
 * File: `%` header lines (RAW container, section 1.4: the header ends after a `% end` line or at
 * the first line that does not start with `%`; it is not word-aligned), then little-endian
 * 32-bit words, type = bits 31..28:
 *   0x0 CD_OFF, 0x1 CD_ON: bits 27..22 timestamp LSBs (6), bits 21..11 x, bits 10..0 y;
 *   0x8 EVT_TIME_HIGH:     bits 27..0 = timestamp bits 33..6;
 *   anything else is skipped.
 * t = loops * 2^34 + (time_high << 6 | lsb) µs, where loops counts TIME_HIGH drops of at least
 * 2^27 (the 34-bit counter wrapped). CD words before the first TIME_HIGH and events outside the
 * header's `% geometry WxH` are dropped: the same rules as host/events/formats/evt2.ts, so both
 * decoders must give the same events.
 *
 * Output: struct-of-arrays, u64 t, u16 x, u16 y, u8 p. Two ways, both timed:
 *   chunked: the file is fed in 64 KiB chunks from offset 0 (a word may straddle two chunks, as
 *            in the JS benchmark) and each chunk decodes into reused arrays of one chunk's size;
 *   whole:   all words decode into arrays sized for the whole file (the usual "load a recording"
 *            call of native decoders).
 * A first pass of each kind computes the bench checksum (bench/event-data.ts digestBatch:
 * count, sum of t, FNV-1a over (x | y << 11 | p << 22) and (t mod 2^32)); then passes are timed
 * until at least MIN_MS (argument 2, default 400) and 2 passes. Prints one JSON line.
 *
 *   cc -O2 -o evt2_decode evt2_decode.c && ./evt2_decode FILE.raw [MIN_MS]
 *
 * Little-endian hosts only (words are read with memcpy).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK 65536u
#define CHUNK_EVENTS (CHUNK / 4u + 1u)

typedef struct {
  int64_t high; /* -1 before the first TIME_HIGH */
  uint64_t loops;
  uint64_t base;
  uint32_t bound_x, bound_y;
  uint64_t dropped;
} State;

typedef struct {
  uint64_t *t;
  uint16_t *x, *y;
  uint8_t *p;
} Soa;

typedef struct {
  uint64_t count;
  uint64_t sum_t;
  uint32_t hash;
  uint64_t first[4], last[4];
} Digest;

/* Kept global so that the compiler cannot drop the stores of the timed passes. */
volatile uint64_t sink;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void state_init(State *s, uint32_t bx, uint32_t by) {
  s->high = -1;
  s->loops = 0;
  s->base = 0;
  s->bound_x = bx;
  s->bound_y = by;
  s->dropped = 0;
}

/* Decodes n words at p into out (starting at index 0); returns the number of events. */
static inline size_t decode_words(const uint8_t *p, size_t n, State *s, Soa out) {
  size_t k = 0;
  uint64_t base = s->base;
  int64_t high = s->high;
  uint32_t bx = high < 0 ? 0 : s->bound_x;
  const uint32_t by = s->bound_y;
  for (size_t i = 0; i < n; i++) {
    uint32_t w;
    memcpy(&w, p + 4 * i, 4);
    const uint32_t type = w >> 28;
    if (type <= 1u) {
      const uint32_t x = (w >> 11) & 0x7ffu;
      const uint32_t y = w & 0x7ffu;
      if (x >= bx || y >= by) {
        s->dropped++;
        continue;
      }
      out.t[k] = base + ((w >> 22) & 0x3fu);
      out.x[k] = (uint16_t)x;
      out.y[k] = (uint16_t)y;
      out.p[k] = (uint8_t)type;
      k++;
    } else if (type == 0x8u) {
      const int64_t h = (int64_t)(w & 0xfffffffu);
      if (high < 0) bx = s->bound_x;
      else if (high - h >= (1 << 27)) s->loops++;
      high = h;
      base = (s->loops << 34) + ((uint64_t)h << 6);
    }
  }
  s->base = base;
  s->high = high;
  return k;
}

static void digest_add(Digest *d, Soa b, size_t n) {
  uint32_t h = d->hash;
  for (size_t i = 0; i < n; i++) {
    h = (h ^ ((uint32_t)b.x[i] | ((uint32_t)b.y[i] << 11) | ((uint32_t)b.p[i] << 22))) * 0x01000193u;
    h = (h ^ (uint32_t)b.t[i]) * 0x01000193u;
    d->sum_t += b.t[i];
  }
  if (n > 0) {
    if (d->count == 0) {
      d->first[0] = b.t[0]; d->first[1] = b.x[0]; d->first[2] = b.y[0]; d->first[3] = b.p[0];
    }
    d->last[0] = b.t[n - 1]; d->last[1] = b.x[n - 1]; d->last[2] = b.y[n - 1]; d->last[3] = b.p[n - 1];
  }
  d->hash = h;
  d->count += n;
}

/* One chunked pass over the whole file; digest may be NULL. Returns the event count. */
static uint64_t pass_chunked(const uint8_t *buf, size_t size, size_t data_start, uint32_t bx, uint32_t by, Soa out, Digest *d) {
  State s;
  state_init(&s, bx, by);
  uint8_t carry[4];
  size_t carry_n = 0;
  uint64_t total = 0;
  for (size_t a = 0; a < size; a += CHUNK) {
    size_t b = a + CHUNK < size ? a + CHUNK : size;
    size_t pos = a < data_start ? (data_start < b ? data_start : b) : a;
    size_t k = 0;
    if (carry_n > 0) {
      while (carry_n < 4 && pos < b) carry[carry_n++] = buf[pos++];
      if (carry_n == 4) {
        k += decode_words(carry, 1, &s, out);
        carry_n = 0;
      }
    }
    const size_t nw = (b - pos) / 4;
    Soa o = { out.t + k, out.x + k, out.y + k, out.p + k };
    k += decode_words(buf + pos, nw, &s, o);
    pos += nw * 4;
    while (pos < b) carry[carry_n++] = buf[pos++];
    if (d) digest_add(d, out, k);
    else if (k > 0) sink += out.t[k - 1] + out.x[0];
    total += k;
  }
  return total;
}

static uint64_t pass_whole(const uint8_t *buf, size_t size, size_t data_start, uint32_t bx, uint32_t by, Soa out, Digest *d) {
  State s;
  state_init(&s, bx, by);
  const size_t k = decode_words(buf + data_start, (size - data_start) / 4, &s, out);
  if (d) digest_add(d, out, k);
  else if (k > 0) sink += out.t[k - 1] + out.x[0];
  return k;
}

typedef uint64_t (*PassFn)(const uint8_t *, size_t, size_t, uint32_t, uint32_t, Soa, Digest *);

static void timed(PassFn f, const uint8_t *buf, size_t size, size_t ds, uint32_t bx, uint32_t by, Soa out, double min_ms,
                  double *rate, int *passes) {
  double total_ms = 0;
  uint64_t events = 0;
  int n = 0;
  while (n < 2 || total_ms < min_ms) {
    const double t0 = now_ms();
    events += f(buf, size, ds, bx, by, out, NULL);
    total_ms += now_ms() - t0;
    n++;
  }
  *rate = (double)events / (total_ms / 1e3);
  *passes = n;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE.raw [MIN_MS]\n", argv[0]);
    return 2;
  }
  const double min_ms = argc > 2 ? atof(argv[2]) : 400.0;
  FILE *fp = fopen(argv[1], "rb");
  if (!fp) {
    perror(argv[1]);
    return 1;
  }
  fseek(fp, 0, SEEK_END);
  const long lsize = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  if (lsize < 0) {
    perror("ftell");
    return 1;
  }
  const size_t size = (size_t)lsize;
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf || fread(buf, 1, size, fp) != size) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  fclose(fp);

  /* Header: `% ...` lines; stop after `% end` or before the first other line. */
  size_t ds = 0;
  uint32_t bx = 2048, by = 2048;
  while (ds < size && buf[ds] == '%') {
    size_t e = ds;
    while (e < size && buf[e] != '\n') e++;
    char line[256];
    size_t len = e - ds < sizeof line - 1 ? e - ds : sizeof line - 1;
    memcpy(line, buf + ds, len);
    line[len] = 0;
    if (len && line[len - 1] == '\r') line[--len] = 0;
    unsigned gw, gh;
    if (sscanf(line, "%% geometry %ux%u", &gw, &gh) == 2) {
      bx = gw < 2048 ? gw : 2048;
      by = gh < 2048 ? gh : 2048;
    }
    ds = e < size ? e + 1 : e;
    if (strcmp(line, "% end") == 0) break;
  }

  const size_t words = (size - ds) / 4;
  Soa chunk = { malloc(CHUNK_EVENTS * 8), malloc(CHUNK_EVENTS * 2), malloc(CHUNK_EVENTS * 2), malloc(CHUNK_EVENTS) };
  Soa whole = { malloc(words * 8 + 8), malloc(words * 2 + 2), malloc(words * 2 + 2), malloc(words + 1) };
  if (!chunk.t || !chunk.x || !chunk.y || !chunk.p || !whole.t || !whole.x || !whole.y || !whole.p) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  Digest dc = { 0, 0, 0x811c9dc5u, { 0 }, { 0 } };
  Digest dw = dc;
  pass_chunked(buf, size, ds, bx, by, chunk, &dc);
  pass_whole(buf, size, ds, bx, by, whole, &dw);
  const int same = dc.count == dw.count && dc.sum_t == dw.sum_t && dc.hash == dw.hash;

  double rc, rw;
  int pc, pw;
  timed(pass_chunked, buf, size, ds, bx, by, chunk, min_ms, &rc, &pc);
  timed(pass_whole, buf, size, ds, bx, by, whole, min_ms, &rw, &pw);

  printf("{\"kind\":\"native-evt2\",\"bytes\":%zu,\"headerBytes\":%zu,\"events\":%llu,\"sumT\":%llu,\"hash\":%u,"
         "\"first\":[%llu,%llu,%llu,%llu],\"last\":[%llu,%llu,%llu,%llu],\"chunkedMatchesWhole\":%s,"
         "\"chunked\":{\"eventsPerSecond\":%.1f,\"passes\":%d},\"whole\":{\"eventsPerSecond\":%.1f,\"passes\":%d}}\n",
         size, ds, (unsigned long long)dc.count, (unsigned long long)dc.sum_t, dc.hash,
         (unsigned long long)dc.first[0], (unsigned long long)dc.first[1], (unsigned long long)dc.first[2], (unsigned long long)dc.first[3],
         (unsigned long long)dc.last[0], (unsigned long long)dc.last[1], (unsigned long long)dc.last[2], (unsigned long long)dc.last[3],
         same ? "true" : "false", rc, pc, rw, pw);
  return 0;
}
