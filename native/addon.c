/* Module registration. NAPI_MODULE_INIT makes the addon context-aware: it runs once per environment
 * (main thread and each worker thread) and no function keeps per-environment state in statics. */
#include <stdio.h>

#include "addon.h"

int uint8_array_arg(napi_env env, napi_value value, const char *what, uint8_t **data, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *ptr = NULL;
  if (napi_is_typedarray(env, value, &is_typed) == napi_ok && is_typed &&
      napi_get_typedarray_info(env, value, &type, length, &ptr, NULL, NULL) == napi_ok &&
      type == napi_uint8_array) {
    *data = (uint8_t *)ptr;
    return 1;
  }
  char message[128];
  snprintf(message, sizeof message, "%s must be a Uint8Array", what);
  napi_throw_type_error(env, NULL, message);
  return 0;
}

NAPI_MODULE_INIT() {
  const napi_property_descriptor properties[] = {
      {"poseidonPrepare", NULL, poseidon_prepare, NULL, NULL, NULL, napi_enumerable, NULL},
      {"poseidonHashMany", NULL, poseidon_hash_many, NULL, NULL, NULL, napi_enumerable, NULL},
      {"frAddMany", NULL, fr_add_many, NULL, NULL, NULL, napi_enumerable, NULL},
      {"frSubMany", NULL, fr_sub_many, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok)
    return NULL;
  return exports;
}
