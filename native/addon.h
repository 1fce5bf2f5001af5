/* The functions the addon exports (registered in addon.c) and the argument helpers they share. */
#ifndef DAMOCLES_ADDON_H
#define DAMOCLES_ADDON_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

/* Throws a JS error and returns NULL from the calling callback when a call fails. */
#define NAPI_CALL(env, call)                                                                          \
  do {                                                                                                \
    if ((call) != napi_ok) {                                                                          \
      const napi_extended_error_info *info_ = NULL;                                                   \
      napi_get_last_error_info((env), &info_);                                                        \
      bool pending_ = false;                                                                          \
      napi_is_exception_pending((env), &pending_);                                                    \
      if (!pending_)                                                                                  \
        napi_throw_error((env), NULL,                                                                 \
                         info_ && info_->error_message ? info_->error_message : "N-API call failed"); \
      return NULL;                                                                                    \
    }                                                                                                 \
  } while (0)

/* The bytes of a Uint8Array argument; throws a TypeError naming `what` and returns 0 if it is not one. */
int uint8_array_arg(napi_env env, napi_value value, const char *what, uint8_t **data, size_t *length);

napi_value poseidon_prepare(napi_env env, napi_callback_info info);
napi_value poseidon_hash_many(napi_env env, napi_callback_info info);
napi_value fr_add_many(napi_env env, napi_callback_info info);
napi_value fr_sub_many(napi_env env, napi_callback_info info);

#endif
