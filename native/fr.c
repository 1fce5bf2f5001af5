/* frAddMany / frSubMany: element-wise (a ± b) mod p over n×32-byte little-endian arrays (replica encoding
 * and decoding). Each element is read before its result is written, so out may be a or b. */
#include "addon.h"
#include "fr.h"

typedef void (*fr_op)(fr_t *, const fr_t *, const fr_t *);

/* Returns −1, or the index of the first element where a or b is not canonical. */
static napi_value fr_many(napi_env env, napi_callback_info info, fr_op op) {
  size_t argc = 3;
  napi_value argv[3];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *a, *b, *out;
  size_t na, nb, nout;
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "expected (a, b, out)");
    return NULL;
  }
  if (!uint8_array_arg(env, argv[0], "a", &a, &na) || !uint8_array_arg(env, argv[1], "b", &b, &nb) ||
      !uint8_array_arg(env, argv[2], "out", &out, &nout))
    return NULL;
  if (na % 32 != 0 || nb != na || nout != na) {
    napi_throw_range_error(env, NULL, "a, b and out must all be n×32 bytes");
    return NULL;
  }
  int64_t bad = -1;
  for (size_t i = 0; i < na / 32; i++) {
    fr_t x, y, r;
    fr_load(&x, a + 32 * i);
    fr_load(&y, b + 32 * i);
    if (!fr_is_canonical(&x) || !fr_is_canonical(&y)) {
      bad = (int64_t)i;
      break;
    }
    op(&r, &x, &y);
    fr_store(out + 32 * i, &r);
  }
  napi_value result;
  NAPI_CALL(env, napi_create_int64(env, bad, &result));
  return result;
}

static void op_add(fr_t *r, const fr_t *a, const fr_t *b) { fr_add(r, a, b); }
static void op_sub(fr_t *r, const fr_t *a, const fr_t *b) { fr_sub(r, a, b); }

napi_value fr_add_many(napi_env env, napi_callback_info info) { return fr_many(env, info, op_add); }
napi_value fr_sub_many(napi_env env, napi_callback_info info) { return fr_many(env, info, op_sub); }
