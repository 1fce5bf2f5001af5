/* neptune's Poseidon (Strength::Standard, HashType::MerkleTree) in its optimized form. The constants are
 * computed and checked in TypeScript (src/proofs/poseidon-constants.ts) and arrive once per arity as
 * Montgomery-form elements in this order:
 *   tag, initial[t], mds[t][t], pre_sparse[t][t], first_post[RF/2][t],
 *   per partial round {post, row[t], col[t-1]}, last_post[RF/2 - 1][t]
 * Evaluation: state = [tag, inputs] + initial; each full round S-boxes every element, adds its post
 * constants (none in the very last round) and multiplies by its matrix (pre_sparse for the last full
 * round before the partial rounds, mds otherwise); each partial round S-boxes element 0, adds its post
 * constant to it and applies its sparse matrix. The hash is state element 1. */
#include <stdlib.h>

#include "addon.h"
#include "fr.h"

#define MAX_WIDTH FR_DOT_MAX /* arity 16; dot products of this many terms */

typedef struct {
  uint32_t arity, t, full_rounds, partial_rounds;
  const fr_t *tag, *initial, *mds, *pre_sparse, *first_post, *partial, *last_post;
  fr_t elements[]; /* the constants, in the order above */
} poseidon_t;

static size_t element_count(size_t t, size_t rf, size_t rp) {
  return 1 + t + 2 * t * t + (rf / 2) * t + rp * 2 * t + (rf / 2 - 1) * t;
}

static inline void pow5(fr_t *x) {
  fr_t x2, x4;
  fr_mul(&x2, x, x);
  fr_mul(&x4, &x2, &x2);
  fr_mul(x, &x4, x);
}

/* s = m·x for a dense t×t matrix (row-major). */
static inline void mat_vec(fr_t *s, const fr_t *m, const fr_t *x, uint32_t t) {
  for (uint32_t i = 0; i < t; i++) {
    fr_dot(&s[i], m + (size_t)i * t, x, t);
  }
}

static inline void full_round(fr_t *s, const fr_t *post, const fr_t *matrix, uint32_t t) {
  fr_t x[MAX_WIDTH];
  for (uint32_t i = 0; i < t; i++) {
    x[i] = s[i];
    pow5(&x[i]);
    if (post) fr_add(&x[i], &x[i], &post[i]);
  }
  mat_vec(s, matrix, x, t);
}

/* round = {post, row[t], col[t-1]} */
static inline void partial_round(fr_t *s, const fr_t *round, uint32_t t) {
  const fr_t *row = round + 1, *col = round + 1 + t;
  fr_t first, p;
  pow5(&s[0]);
  fr_add(&s[0], &s[0], &round[0]);
  fr_dot(&first, row, s, t);
  for (uint32_t i = 1; i < t; i++) {
    fr_mul(&p, &col[i - 1], &s[0]);
    fr_add(&s[i], &s[i], &p);
  }
  s[0] = first;
}

/* in: arity canonical elements in Montgomery form; returns state element 1, still in Montgomery form. */
static void poseidon_hash(const poseidon_t *c, const fr_t *in, fr_t *out) {
  const uint32_t t = c->t, half = c->full_rounds / 2;
  fr_t s[MAX_WIDTH];
  fr_add(&s[0], c->tag, &c->initial[0]);
  for (uint32_t i = 1; i < t; i++) fr_add(&s[i], &in[i - 1], &c->initial[i]);
  for (uint32_t r = 0; r < half; r++)
    full_round(s, c->first_post + (size_t)r * t, r + 1 == half ? c->pre_sparse : c->mds, t);
  for (uint32_t r = 0; r < c->partial_rounds; r++) partial_round(s, c->partial + (size_t)r * 2 * t, t);
  for (uint32_t r = 0; r < half; r++)
    full_round(s, r + 1 < half ? c->last_post + (size_t)r * t : NULL, c->mds, t);
  *out = s[1];
}

static void poseidon_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static int uint32_arg(napi_env env, napi_value value, uint32_t *out) {
  return napi_get_value_uint32(env, value, out) == napi_ok;
}

/* poseidonPrepare(arity, fullRounds, partialRounds, constants) → external holding a copy of the constants */
napi_value poseidon_prepare(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t arity, rf, rp;
  uint8_t *bytes;
  size_t length;
  if (argc < 4 || !uint32_arg(env, argv[0], &arity) || !uint32_arg(env, argv[1], &rf) ||
      !uint32_arg(env, argv[2], &rp)) {
    napi_throw_type_error(env, NULL, "expected (arity, fullRounds, partialRounds, constants)");
    return NULL;
  }
  if (!uint8_array_arg(env, argv[3], "constants", &bytes, &length)) return NULL;
  const uint32_t t = arity + 1;
  if (arity < 1 || t > MAX_WIDTH || rf < 2 || rf % 2 != 0 || rp > 1000) {
    napi_throw_range_error(env, NULL, "unsupported Poseidon arity or round numbers");
    return NULL;
  }
  const size_t n = element_count(t, rf, rp);
  if (length != n * 32) {
    napi_throw_range_error(env, NULL, "Poseidon constants have the wrong length for this arity and rounds");
    return NULL;
  }
  poseidon_t *c = malloc(sizeof(poseidon_t) + n * sizeof(fr_t));
  if (!c) {
    napi_throw_error(env, NULL, "out of memory for Poseidon constants");
    return NULL;
  }
  c->arity = arity;
  c->t = t;
  c->full_rounds = rf;
  c->partial_rounds = rp;
  for (size_t i = 0; i < n; i++) fr_load(&c->elements[i], bytes + 32 * i);
  const fr_t *e = c->elements;
  c->tag = e;
  c->initial = e += 1;
  c->mds = e += t;
  c->pre_sparse = e += (size_t)t * t;
  c->first_post = e += (size_t)t * t;
  c->partial = e += (size_t)(rf / 2) * t;
  c->last_post = e += (size_t)rp * 2 * t;
  napi_value result;
  if (napi_create_external(env, c, poseidon_free, NULL, &result) != napi_ok) {
    free(c);
    napi_throw_error(env, NULL, "could not wrap the Poseidon constants");
    return NULL;
  }
  return result;
}

/* poseidonHashMany(prepared, input, out): out.length/32 hashes of `arity` elements each. Returns −1, or
 * the index (in elements) of the first input element that is not canonical; hashes before it are written. */
napi_value poseidon_hash_many(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data = NULL;
  napi_valuetype type;
  if (argc < 3 || napi_typeof(env, argv[0], &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "expected (prepared, input, out) with prepared from poseidonPrepare");
    return NULL;
  }
  const poseidon_t *c = data;
  uint8_t *input, *out;
  size_t n_in, n_out;
  if (!uint8_array_arg(env, argv[1], "input", &input, &n_in) ||
      !uint8_array_arg(env, argv[2], "out", &out, &n_out))
    return NULL;
  const size_t count = n_out / 32;
  if (n_out % 32 != 0 || n_in != count * c->arity * 32) {
    napi_throw_range_error(env, NULL, "input must be count×arity×32 bytes and out count×32 bytes");
    return NULL;
  }
  int64_t bad = -1;
  for (size_t h = 0; h < count && bad < 0; h++) {
    fr_t in[MAX_WIDTH], result;
    for (uint32_t i = 0; i < c->arity; i++) {
      fr_load(&in[i], input + (h * c->arity + i) * 32);
      if (!fr_is_canonical(&in[i])) {
        bad = (int64_t)(h * c->arity + i);
        break;
      }
      fr_to_mont(&in[i], &in[i]);
    }
    if (bad >= 0) break;
    poseidon_hash(c, in, &result);
    fr_from_mont(&result, &result);
    fr_store(out + h * 32, &result);
  }
  napi_value result;
  NAPI_CALL(env, napi_create_int64(env, bad, &result));
  return result;
}
